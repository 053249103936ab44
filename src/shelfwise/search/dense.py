"""Semantic retrieval: exact cosine top-k over the catalog's language-model embeddings.

Exact search on a (n, d) float32 matrix is a single matrix-vector product: 55k × 384 takes about
3 ms on one core, fast enough that an approximate index would only cost recall. Rows grow in place
(amortised doubling) so new items are searchable the moment they are encoded.
"""

from __future__ import annotations

import numpy as np


class DenseIndex:
    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._matrix = np.zeros((0, dim), dtype=np.float32)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def set_rows(self, rows: np.ndarray, vectors: np.ndarray) -> None:
        """Write ``vectors`` at ``rows`` (growing the matrix as needed)."""
        if len(rows) == 0:
            return
        needed = int(rows.max()) + 1
        if needed > self._matrix.shape[0]:
            grown = np.zeros((max(needed, 2 * self._matrix.shape[0]), self.dim), dtype=np.float32)
            grown[: self._size] = self._matrix[: self._size]
            self._matrix = grown
        self._matrix[rows] = vectors
        self._size = max(self._size, needed)

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine of the (unit) query with every row."""
        return self._matrix[: self._size] @ np.asarray(query, dtype=np.float32)

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        return self._matrix[rows]

    def top(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores = self.scores(query)
        if scores.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        k = min(k, scores.size)
        part = np.argpartition(-scores, k - 1)[:k]
        order = part[np.argsort(-scores[part], kind="stable")]
        return order.astype(np.int64), scores[order]
