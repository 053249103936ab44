"""The searchable catalog: one row per item, a lexical index, embeddings and per-row facts.

Built once from the store and then kept in step item by item (:meth:`SearchIndex.upsert`):
a new or changed item is tokenised, indexed and encoded (through the content-hash embedding
cache, so only texts never seen before reach the model) without touching the other rows.
"""

from __future__ import annotations

import hashlib
from collections import Counter, OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from shelfwise.domain import Item
from shelfwise.encoders import EmbeddingCache, TextEncoder, item_text
from shelfwise.search.dense import DenseIndex
from shelfwise.search.lexical import LexicalDocument, LexicalIndex
from shelfwise.search.lexicon import Lexicon, item_colours
from shelfwise.search.rows import Row, RowTable  # Row here too: format-1 snapshots pickled it here
from shelfwise.search.text import normalise, numbers, tokens, unit_tokens

QUERY_CACHE_SIZE = 4096


def item_fingerprint(item: Item) -> str:
    parts = (
        item.title,
        item.description,
        item.brand,
        item.category,
        item.price,
        item.currency,
        sorted(item.attributes.items(), key=lambda kv: kv[0]),
        item.in_stock,
    )
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def search_text(item: Item) -> str:
    """The text embedded for an item: the same composition training uses (shared cache hits)."""
    return item_text(item)


def _meta_text(item: Item) -> str:
    values = [str(v) for v in item.attributes.values() if isinstance(v, str | int | float)]
    description = (item.description or "")[:300]
    return " ".join([item.brand or "", " ".join(item.category), " ".join(values), description])


class SearchIndex:
    def __init__(
        self,
        encoder: TextEncoder | None,
        cache: EmbeddingCache | None,
        threads: int = 1,
        query_encoder: TextEncoder | None = None,
        ann_min_items: int = 0,
        lexical_dir: Path | None = None,
    ) -> None:
        """``ann_min_items``: catalog size from which dense retrieval is approximate (0: never);
        ``lexical_dir``: keep the lexical index in this directory (default: in memory)."""
        self.encoder = encoder
        # Queries may have their own encoder: one fine-tuned on the search log against ``encoder``'s
        # item vectors (shelfwise.encoders.query_tuning). Items are always encoded by ``encoder``.
        self.query_encoder = query_encoder
        self._cache = cache
        self._threads = threads
        self.lexical = LexicalIndex(threads, lexical_dir)
        self.dense = DenseIndex(encoder.dim, ann_min_items) if encoder is not None else None
        self.lexicon = Lexicon()
        self.rows = RowTable()  # list-like; a snapshot's rows are decoded when first read
        self.row_of: dict[str, int] = {}
        self.fingerprints: dict[str, str] = {}
        self.prices = np.zeros(0, dtype=np.float64)  # nan: no price
        # Catalog evidence for category intent: leaf categories of the items each term occurs in.
        self.term_categories: dict[str, Counter[str]] = {}
        self._query_vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    def __len__(self) -> int:
        return len(self.rows)

    def changed(self, items: Sequence[Item]) -> list[Item]:
        """Items that are new or differ from what is indexed."""
        return [it for it in items if self.fingerprints.get(it.item_id) != item_fingerprint(it)]

    def upsert(self, items: Sequence[Item], progress: bool = False) -> int:
        """Index new items and re-index changed ones; returns how many rows were written."""
        items = self.changed(items)
        if not items:
            return 0
        positions = []
        for item in items:
            row = self.row_of.get(item.item_id)
            if row is None:
                row = len(self.rows)
                self.row_of[item.item_id] = row
                self.rows.append(None)  # filled just below
            positions.append(row)
            colours = item_colours(item.title, item.attributes)
            self.lexicon.add_item(item.title, item.brand, item.category, colours)
            title_tokens = tokens(item.title)
            extra = tokens(f"{item.brand or ''} {' '.join(item.category)}")
            self.rows[row] = Row(
                item=item,
                brand=normalise(item.brand.strip()) if item.brand else "",
                categories=tuple(normalise(level.strip()) for level in item.category if level.strip()),
                colours=frozenset(colours),
                terms=frozenset(self.lexical.word_terms(title_tokens + extra)),
                numbers=frozenset(numbers(item.title)),
                units=frozenset(unit_tokens(normalise(item.title))),
                length=len(title_tokens),
            )
            self.fingerprints[item.item_id] = item_fingerprint(item)
            leaf = self.rows[row].leaf
            if leaf:
                for term in self.lexical.word_terms(title_tokens):
                    self.term_categories.setdefault(term, Counter())[leaf] += 1
        self.lexical.upsert(
            [LexicalDocument(row, it.title, _meta_text(it)) for row, it in zip(positions, items, strict=True)]
        )
        if self.dense is not None and self._cache is not None:
            vectors = self._cache.encode(
                [search_text(it) for it in items], progress=progress, threads=self._threads
            )
            self.dense.set_rows(np.asarray(positions, dtype=np.int64), vectors)
        prices = np.full(len(self.rows), np.nan)
        prices[: len(self.prices)] = self.prices
        for row, item in zip(positions, items, strict=True):
            prices[row] = np.nan if item.price is None else item.price
        self.prices = prices
        return len(items)

    def use_query_encoder(self, encoder: TextEncoder | None) -> None:
        """Encode queries with ``encoder`` from now on (None: the item encoder)."""
        self.query_encoder = encoder
        self._query_vectors.clear()

    def encode_query(self, text: str) -> np.ndarray | None:
        """The query's vector; shops see the same queries again and again, so recent ones are kept."""
        if self.encoder is None or not text.strip():
            return None
        vector = self._query_vectors.get(text)
        if vector is not None:
            self._query_vectors.move_to_end(text)  # least recently used goes first
            return vector
        vector = (self.query_encoder or self.encoder).encode_batch([text])[0]
        if len(self._query_vectors) >= QUERY_CACHE_SIZE:
            self._query_vectors.popitem(last=False)
        self._query_vectors[text] = vector
        return vector
