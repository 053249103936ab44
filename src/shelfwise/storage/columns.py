"""Events as columns: every stored event read once, without a Python object per event.

``iter_events`` builds a frozen ``Event`` (and a ``StoredEvent``) per row; at 3× Beauty (600k events)
the steps of ``train`` that each read every event that way (audit, histories, live profiles) spent
most of their time building and dropping those objects. ``EventColumns`` holds the same rows, in
the same (timestamp, ingestion) order, as numpy arrays: ``seq``, ``timestamp`` and ``value`` as
numbers, every other field as int32 codes into a table of its distinct values (-1: None). The
consumers compute masks and codes with numpy and build an ``Event`` only for the rows they keep
(a profile's recent events).

Both stores fill it through ``ColumnsBuilder`` from plain row tuples of the shared select order
(``seq`` then ``EVENT_FIELDS``), so their columns are equal field for field.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from shelfwise.domain import Event

# The select order of both stores after ``seq`` (also ``Event``'s constructor keywords, renamed).
EVENT_FIELDS = (
    "event_id", "user_id", "item_id", "type", "timestamp", "channel", "value", "price", "query",
    "session_id", "store_id", "text", "request_id", "position", "placement",
)  # fmt: skip
EVENT_ORDER = tuple(f.name for f in fields(Event))  # ``Event``'s own field order (positional)
EVENTS_CHUNK = 50_000  # rows turned into objects at a time by ``events``
# Fields kept as numbers; every other field is coded.
NUMERIC = ("timestamp", "value")
CODED = tuple(name for name in EVENT_FIELDS if name not in NUMERIC)


@dataclass(frozen=True)
class Coded:
    """One field as int32 codes into ``values`` (-1: None)."""

    codes: np.ndarray
    values: list[Any]

    def code_of(self, value: Any) -> int:
        """The code of ``value``; -2 (matches no row) when no row holds it."""
        try:
            return self.values.index(value)
        except ValueError:
            return -2

    def mask_of(self, values: Iterable[Any]) -> np.ndarray:
        """Rows holding one of ``values`` (None never matches)."""
        wanted = set(values)
        hits = np.array([value in wanted for value in self.values], dtype=bool)
        return hits[self.codes] & (self.codes >= 0) if len(hits) else np.zeros(len(self.codes), dtype=bool)

    def present(self) -> np.ndarray:
        """Rows holding a value that is neither None nor empty (``x IS NOT NULL AND x != ''``)."""
        filled = np.array([value not in (None, "") for value in self.values], dtype=bool)
        if not len(filled):
            return np.zeros(len(self.codes), dtype=bool)
        return filled[self.codes] & (self.codes >= 0)

    def take(self, rows: np.ndarray) -> Coded:
        return Coded(self.codes[rows], self.values)


@dataclass(frozen=True)
class EventColumns:
    """Stored events in (timestamp, seq) order, column-wise (see the module doc)."""

    seq: np.ndarray  # int64
    timestamp: np.ndarray  # float64
    value: np.ndarray  # float64, NaN: None
    coded: dict[str, Coded]

    def __len__(self) -> int:
        return len(self.seq)

    def __getattr__(self, name: str) -> Coded:
        # ``columns.user_id``, ``columns.type``, ...: the coded field of that name.
        coded = self.__dict__.get("coded", {})
        if name in coded:
            return coded[name]  # type: ignore[no-any-return]
        raise AttributeError(name)

    def take(self, rows: np.ndarray) -> EventColumns:
        """The rows selected by a boolean mask or by ascending row numbers, in the same order."""
        return EventColumns(
            self.seq[rows],
            self.timestamp[rows],
            self.value[rows],
            {name: coded.take(rows) for name, coded in self.coded.items()},
        )

    def without_users(self, excluded: Iterable[str]) -> EventColumns:
        """The rows of every user but ``excluded`` (the training view of an audited store)."""
        users = self.coded["user_id"]
        dropped = users.mask_of(excluded)
        return self if not dropped.any() else self.take(~dropped)

    def events(self, rows: Sequence[int] | np.ndarray | None = None) -> Iterator[Event]:
        """``Event`` objects of ``rows`` (all when None): for consumers that need whole events."""
        picked = np.arange(len(self)) if rows is None else np.asarray(rows, dtype=np.int64)
        for start in range(0, len(picked), EVENTS_CHUNK):
            for values in self.field_tuples(picked[start : start + EVENTS_CHUNK]):
                yield Event(*values)

    def field_tuples(self, rows: np.ndarray, order: Sequence[str] = EVENT_ORDER) -> list[tuple[Any, ...]]:
        """One tuple of field values per row (None where a field is empty), fields in ``order``."""
        values: list[list[Any]] = []
        for name in order:
            if name == "timestamp":
                values.append(self.timestamp[rows].tolist())
            elif name == "value":
                values.append([None if v != v else v for v in self.value[rows].tolist()])  # NaN: None
            else:
                table = self.coded[name].values
                values.append([None if c < 0 else table[c] for c in self.coded[name].codes[rows].tolist()])
        return list(zip(*values, strict=True))


class ColumnsBuilder:
    """Fills ``EventColumns`` from row tuples (``seq``, then ``EVENT_FIELDS``), chunk by chunk, so
    a store never holds more than one chunk of rows as Python tuples."""

    def __init__(self) -> None:
        self._seq: list[np.ndarray] = []
        self._numbers: dict[str, list[np.ndarray]] = {name: [] for name in NUMERIC}
        self._codes: dict[str, list[np.ndarray]] = {name: [] for name in CODED}
        # value -> code per coded field; None is -1 (a column of only None never grows its table).
        self._tables: dict[str, dict[Any, int]] = {name: {None: -1} for name in CODED}

    def add(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        columns = list(zip(*rows, strict=True))
        self._seq.append(np.asarray(columns[0], dtype=np.int64))
        for name, column in zip(EVENT_FIELDS, columns[1:], strict=True):
            if name in NUMERIC:
                self._numbers[name].append(np.array(column, dtype=np.float64))  # None -> NaN
            else:
                self._codes[name].append(_encode(column, self._tables[name]))

    def build(self) -> EventColumns:
        def joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
            return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

        coded = {}
        for name in CODED:
            table = self._tables[name]
            values = [value for value in table if value is not None]  # insertion order = code order
            coded[name] = Coded(joined(self._codes[name], np.int32), values)
        return EventColumns(
            joined(self._seq, np.int64),
            joined(self._numbers["timestamp"], np.float64),
            joined(self._numbers["value"], np.float64),
            coded,
        )


def _encode(column: tuple[Any, ...], table: dict[Any, int]) -> np.ndarray:
    if column.count(None) == len(column):  # most optional fields of most shops
        return np.full(len(column), -1, dtype=np.int32)
    # New values get the next codes in the order they first occur; then one lookup per row, in C.
    for value in dict.fromkeys(column):
        if value not in table:
            table[value] = len(table) - 1  # the table holds None (-1) besides the codes
    return np.fromiter(map(table.__getitem__, column), dtype=np.int32, count=len(column))


def first_rows(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct codes, the row of each one's first occurrence, its count), in first-occurrence order."""
    distinct, first, counts = np.unique(codes, return_index=True, return_counts=True)
    order = np.argsort(first, kind="stable")
    return distinct[order], first[order], counts[order]


def last_rows(keys: np.ndarray) -> np.ndarray:
    """The row of each distinct key's last occurrence (in no particular order of keys)."""
    _, last_from_end = np.unique(keys[::-1], return_index=True)
    return len(keys) - 1 - last_from_end


def split_by(codes: np.ndarray) -> list[np.ndarray]:
    """Row numbers grouped by code, each group in row order, groups by their first row."""
    if not len(codes):
        return []
    order = np.argsort(codes, kind="stable")
    cuts = np.flatnonzero(np.diff(codes[order])) + 1
    groups = np.split(order, cuts)
    groups.sort(key=lambda rows: int(rows[0]))
    return groups
