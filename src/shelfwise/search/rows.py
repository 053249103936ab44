"""The search index's per-row facts, and a table of them that a snapshot decodes row by row.

A search touches the rows of its candidates (a few hundred), not the catalog: unpickling all 55k
Home Depot rows at start-up (~10 objects each) cost more than the search itself. A snapshot keeps
every row as its own small pickle of plain values in one blob, with an offsets array beside it
(``encode_rows``); :class:`RowTable` decodes a row the first time it is read and keeps it.
"""

from __future__ import annotations

import pickle
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from shelfwise.domain import Item

_ITEM_FIELDS = 11  # Item's fields, in order: the first values of an encoded row


@dataclass(frozen=True)
class Row:
    """What ranking needs to know about one item without going back to the store."""

    item: Item
    brand: str  # normalised, "" when none
    categories: tuple[str, ...]  # normalised category path
    colours: frozenset[str]
    terms: frozenset[str]  # stemmed title + brand/category terms, as the lexical engine sees them
    numbers: frozenset[str]
    units: frozenset[str]
    length: int  # title tokens

    @property
    def leaf(self) -> str | None:
        """The most specific category: what category intent predicts."""
        return self.categories[-1] if self.categories else None


def _encode(row: Row) -> bytes:
    # Plain values only (no class references): a row is ~3x faster to decode than a pickled Row.
    values = (
        *item_values(row.item),
        row.brand,
        row.categories,
        row.colours,
        row.terms,
        row.numbers,
        row.units,
        row.length,
    )
    return pickle.dumps(values, protocol=pickle.HIGHEST_PROTOCOL)


def item_values(item: Item) -> tuple[Any, ...]:
    """An item's field values in order (``dataclasses.astuple`` would deep-copy attributes)."""
    return (
        item.item_id,
        item.title,
        item.description,
        item.brand,
        item.category,
        item.price,
        item.currency,
        item.attributes,
        item.image_url,
        item.in_stock,
        item.created_at,
    )


_intern = sys.intern


def _decode(data: memoryview) -> Row:
    values = pickle.loads(data)  # our own model store (see shelfwise.search.snapshot)
    item = Item(*values[:_ITEM_FIELDS])
    brand, categories, colours, terms, numbers, units, length = values[_ITEM_FIELDS:]
    # Brand and category strings interned: rows decoded over a server's life share one object
    # each, as the old format did. Term sets are kept as unpickled: rebuilding them to intern
    # their strings tripled the decode time.
    return Row(item, _intern(brand), tuple(map(_intern, categories)), colours, terms, numbers, units, length)


def encode_rows(rows: Iterable[Row]) -> tuple[bytes, np.ndarray]:
    """The rows as one blob and the offsets of each row in it (``len(rows) + 1`` of them)."""
    parts = [_encode(row) for row in rows]
    offsets = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in parts], out=offsets[1:])
    return b"".join(parts), offsets


def checksum(blob: bytes) -> int:
    """What a snapshot stores to tell a damaged blob at load, not at some later search."""
    return zlib.crc32(blob)


class RowTable:
    """The index's rows, ``list``-like: rows read from a snapshot blob are decoded when first read."""

    def __init__(self, blob: bytes = b"", offsets: np.ndarray | None = None) -> None:
        self._blob = memoryview(blob)
        if offsets is None:
            offsets = np.zeros(1, dtype=np.int64)
        if offsets[0] != 0 or offsets[-1] != len(blob) or bool((np.diff(offsets) <= 0).any()):
            raise ValueError("row offsets do not match the blob")
        self._offsets: list[int] = offsets.tolist()
        self._stored = len(offsets) - 1  # rows in the blob; later ones were added in memory
        self._rows: list[Row | None] = [None] * self._stored

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, position: int) -> Row:
        row = self._rows[position]
        if row is None:
            if position < 0:
                position += len(self._rows)
            if position >= self._stored:  # a slot ``append`` reserved and nobody filled
                raise LookupError(f"row {position} is not filled")
            row = _decode(self._blob[self._offsets[position] : self._offsets[position + 1]])
            self._rows[position] = row  # a race decodes it twice, to equal rows: harmless
        return row

    def __setitem__(self, position: int, row: Row) -> None:
        self._rows[position] = row

    def append(self, row: Row | None) -> None:
        self._rows.append(row)

    def extend(self, rows: Iterable[Row]) -> None:
        self._rows.extend(rows)

    def __iter__(self) -> Iterator[Row]:
        return (self[position] for position in range(len(self._rows)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RowTable | list):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (or deep-copied) as its rows, all decoded: a memoryview cannot be pickled.
        return (_table_of, (list(self),))


def _table_of(rows: list[Row]) -> RowTable:
    table = RowTable()
    table.extend(rows)
    return table
