"""Item-to-item transition model: the strong, fast baseline and the main candidate source.

Counts ordered pairs (a before b, up to ``max_gap`` positions apart, weighted ``decay**(gap-1)``), adds
the reverse pairs at ``reverse_weight`` (bought-together evidence regardless of order), row-normalises
and dampens popular rows (``count / row_sum ** power``), and scores a history by its last few items.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Self

import numpy as np
import scipy.sparse as sp

from shelfwise.engine import Engine, LocalEngine, map_combine
from shelfwise.retrieval.base import Evidence, FitOptions, TrainingData


@dataclass
class TransitionConfig:
    max_gap: int = 5
    decay: float = 0.6
    reverse_weight: float = 0.3
    history_items: int = 3  # how many of the last items vote
    history_decay: float = 0.5
    power: float = 0.5  # rows are divided by row_sum**power: 1 = probabilities, 0.5 keeps some mass
    popularity_weight: float = 0.001


def pair_counts(
    sequences: Sequence[np.ndarray], n_items: int, max_gap: int, decay: float, engine: Engine | None = None
) -> sp.csr_matrix:
    """Forward pair weights ``W[a, b] = Σ decay**(gap-1)`` over a-before-b pairs within ``max_gap``.

    With an engine, counted per shard of customers and summed (pairs never cross customers)."""
    if engine is not None and engine.shards > 1:
        return map_combine(engine, _pair_counts_shard, sequences, (n_items, max_gap, decay), sum_matrices)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    for gap in range(1, max_gap + 1):
        heads = [s[:-gap] for s in sequences if len(s) > gap]
        tails = [s[gap:] for s in sequences if len(s) > gap]
        if not heads:
            break
        head = np.concatenate(heads)
        rows.append(head)
        cols.append(np.concatenate(tails))
        vals.append(np.full(len(head), decay ** (gap - 1), dtype=np.float32))
    if not rows:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    matrix = sp.coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_items, n_items)
    ).tocsr()
    matrix.setdiag(0)  # repeated purchases of the same item say nothing about the next one
    matrix.eliminate_zeros()
    return matrix.astype(np.float32)


def _pair_counts_shard(sequences: Sequence[np.ndarray], spec: tuple[int, int, float]) -> sp.csr_matrix:
    return pair_counts(sequences, *spec)


def sum_matrices(parts: list[sp.csr_matrix]) -> sp.csr_matrix:
    """Shard results added up: sparse counts are additive over disjoint sets of customers."""
    total = parts[0].copy()
    for part in parts[1:]:
        total = total + part
    return total.tocsr()


def customer_follow_counts(sequences: Sequence[np.ndarray], n_items: int, max_gap: int) -> sp.csr_matrix:
    """``C[a, b]`` = how many sequences (customers) have ``b`` within ``max_gap`` steps after ``a``.

    The fact behind a reason such as "12 shoppers chose it soon after X": each customer counts once
    per pair, however often they repeated it."""
    triples: list[np.ndarray] = []
    for gap in range(1, max_gap + 1):
        chunks = [
            np.stack([np.full(len(s) - gap, n, dtype=np.int64), s[:-gap], s[gap:]], axis=1)
            for n, s in enumerate(sequences)
            if len(s) > gap
        ]
        if chunks:
            triples.append(np.concatenate(chunks))
    if not triples:
        return sp.csr_matrix((n_items, n_items), dtype=np.int32)
    distinct = np.unique(np.concatenate(triples), axis=0)
    distinct = distinct[distinct[:, 1] != distinct[:, 2]]
    ones = np.ones(len(distinct), dtype=np.int32)
    return sp.coo_matrix((ones, (distinct[:, 1], distinct[:, 2])), shape=(n_items, n_items)).tocsr()


def normalise_rows(matrix: sp.csr_matrix, power: float) -> sp.csr_matrix:
    row_sums = np.asarray(matrix.sum(axis=1)).ravel()
    inverse = np.divide(1.0, np.power(row_sums, power), out=np.zeros_like(row_sums), where=row_sums > 0)
    return (sp.diags(inverse.astype(np.float32)) @ matrix).tocsr().astype(np.float32)


def item_counts(sequences: Sequence[np.ndarray], n_items: int) -> np.ndarray:
    if not sequences:
        return np.zeros(n_items, dtype=np.float32)
    return np.bincount(np.concatenate(sequences), minlength=n_items).astype(np.float32)


def csr_value(matrix: sp.csr_matrix, row: int, col: int) -> float:
    """``matrix[row, col]`` read straight from the CSR arrays: scipy's indexing validates its
    arguments on every call (~100 µs), and the request path explains every candidate it shows."""
    if not matrix.has_sorted_indices:
        matrix.sort_indices()
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    at = start + int(np.searchsorted(matrix.indices[start:end], col))
    return float(matrix.data[at]) if at < end and matrix.indices[at] == col else 0.0


def csr_values(matrix: sp.csr_matrix, rows: Sequence[int], columns: Sequence[int]) -> np.ndarray:
    """``matrix[rows][:, columns]`` as a dense float64 array, each value exactly ``csr_value``'s:
    one sorted search per row instead of one per (row, column) pair (reasons read ~100 a request)."""
    if not matrix.has_sorted_indices:
        matrix.sort_indices()
    wanted = np.asarray(columns, dtype=matrix.indices.dtype)
    out = np.zeros((len(rows), len(wanted)), dtype=np.float64)
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    for r, row in enumerate(rows):
        start, end = indptr[row], indptr[row + 1]
        if start == end:
            continue
        at = np.minimum(np.searchsorted(indices[start:end], wanted), end - start - 1)
        found = indices[start + at] == wanted
        out[r, found] = data[start + at[found]]
    return out


def last_items_matrix(
    histories: Sequence[np.ndarray], n_items: int, n_last: int, history_decay: float
) -> sp.csr_matrix:
    """Sparse (len(histories), n_items) weights of the last ``n_last`` items, newest weight 1."""
    rows, cols, vals = [], [], []
    for row, hist in enumerate(histories):
        for back in range(min(n_last, len(hist))):
            rows.append(row)
            cols.append(int(hist[len(hist) - 1 - back]))
            vals.append(history_decay**back)
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(histories), n_items), dtype=np.float32)


FEW_HISTORIES = 8  # up to this many histories are scored without the sparse product (_few_scores)


class TransitionModel:
    """Decayed item transitions plus a pinch of popularity; fits in about a second."""

    name = "transitions"

    def __init__(self, config: TransitionConfig | None = None) -> None:
        self.config = config or TransitionConfig()
        self.n_items = 0
        self.transitions: sp.csr_matrix | None = None
        self.popularity: np.ndarray | None = None  # counts / max count

    def fit(self, data: TrainingData, options: FitOptions | None = None) -> dict[str, float]:
        cfg = self.config
        engine = (options.engine if options else None) or LocalEngine()
        forward = pair_counts(data.sequences, data.n_items, cfg.max_gap, cfg.decay, engine)
        self.set_counts(forward, item_counts(data.sequences, data.n_items))
        return {}

    def set_counts(self, forward: sp.csr_matrix, counts: np.ndarray) -> None:
        """The model from its counts: forward pair weights (``pair_counts``) and item counts."""
        cfg = self.config
        self.n_items = forward.shape[0]
        self.transitions = normalise_rows(forward + cfg.reverse_weight * forward.T.tocsr(), cfg.power)
        self.popularity = counts / max(float(counts.max()), 1.0)

    def score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        if self.transitions is None or self.popularity is None:
            raise RuntimeError("TransitionModel is not fitted")
        cfg = self.config
        scores = self._few_scores(histories)
        if scores is None:
            weights = last_items_matrix(histories, self.n_items, cfg.history_items, cfg.history_decay)
            scores = np.asarray((weights @ self.transitions).todense(), dtype=np.float32)
        scores += cfg.popularity_weight * self.popularity[None, :]
        return scores

    def _few_scores(self, histories: Sequence[np.ndarray]) -> np.ndarray | None:
        """``last_items_matrix(histories) @ transitions`` for a request's few histories, summed
        straight into a dense array (scipy's sparse product and its matrix building cost more than
        the sums for one customer). The same float32 arithmetic in the same order as the sparse
        product — each recent item's weight times its row, items in ascending order — so the scores
        are bit for bit equal. None (use the sparse product) for large batches, a repeated recent
        item (scipy would sum its weights first) or a transition matrix with duplicate entries."""
        if len(histories) > FEW_HISTORIES or not self._rows_without_duplicates():
            return None
        cfg = self.config
        lasts = [
            [int(h[len(h) - 1 - back]) for back in range(min(cfg.history_items, len(h)))] for h in histories
        ]
        if any(len(set(last)) != len(last) for last in lasts):
            return None
        indptr, indices, data = self.transitions.indptr, self.transitions.indices, self.transitions.data  # type: ignore[union-attr]
        scores = np.zeros((len(histories), self.n_items), dtype=np.float32)
        for row, last in enumerate(lasts):
            weights = {item: np.float32(cfg.history_decay**back) for back, item in enumerate(last)}
            for item in sorted(weights):
                start, end = indptr[item], indptr[item + 1]
                scores[row, indices[start:end]] += weights[item] * data[start:end]
        return scores

    def _rows_without_duplicates(self) -> bool:
        """No row of ``transitions`` names a column twice (the dense sums assign each row's values
        at once). Checked once per matrix: a product's rows come unsorted, but without duplicates."""
        matrix = self.transitions
        assert matrix is not None
        kept = self.__dict__.get("_unique_rows")
        if kept is None or kept[0] is not matrix:
            summed = matrix.copy()
            summed.sum_duplicates()
            kept = (matrix, summed.nnz == matrix.nnz)
            self.__dict__["_unique_rows"] = kept
        return kept[1]

    def explain(self, history: np.ndarray, item: int) -> list[Evidence]:
        """Which of the last history items led to ``item``, strongest first."""
        if self.transitions is None:
            raise RuntimeError("TransitionModel is not fitted")
        cfg = self.config
        evidence = []
        for back in range(min(cfg.history_items, len(history))):
            source = int(history[len(history) - 1 - back])
            weight = csr_value(self.transitions, source, item) * cfg.history_decay**back
            if weight > 0:
                evidence.append(Evidence(item=item, source="transition", history_item=source, weight=weight))
        evidence.sort(key=lambda e: -e.weight)
        if not evidence and not len(history):
            popularity = self.popularity
            assert popularity is not None
            rank = int((popularity > popularity[item]).sum()) + 1
            evidence.append(Evidence(item=item, source="popular", weight=float(popularity[item]), count=rank))
        return evidence

    def save(self, directory: Path) -> None:
        if self.transitions is None or self.popularity is None:
            raise RuntimeError("TransitionModel is not fitted")
        directory.mkdir(parents=True, exist_ok=True)
        sp.save_npz(directory / "transitions.npz", self.transitions)
        np.save(directory / "popularity.npy", self.popularity)
        (directory / "transitions.json").write_text(
            json.dumps({"n_items": self.n_items, "config": asdict(self.config)}, indent=2)
        )

    @classmethod
    def load(cls, directory: Path) -> Self:
        meta = json.loads((directory / "transitions.json").read_text())
        model = cls(TransitionConfig(**meta["config"]))
        model.n_items = int(meta["n_items"])
        model.transitions = sp.load_npz(directory / "transitions.npz").tocsr()
        model.popularity = np.load(directory / "popularity.npy")
        return model


class PopularityModel:
    """Most-bought items first; the answer for an empty history."""

    name = "popularity"

    def __init__(self) -> None:
        self.counts: np.ndarray | None = None

    def fit(self, data: TrainingData, options: FitOptions | None = None) -> dict[str, float]:
        self.counts = item_counts(data.sequences, data.n_items)
        return {}

    def score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        if self.counts is None:
            raise RuntimeError("PopularityModel is not fitted")
        return np.broadcast_to(self.counts, (len(histories), len(self.counts))).astype(np.float32)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / "popularity_counts.npy", self.counts)

    @classmethod
    def load(cls, directory: Path) -> Self:
        model = cls()
        model.counts = np.load(directory / "popularity_counts.npy")
        return model
