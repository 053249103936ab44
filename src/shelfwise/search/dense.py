"""Semantic retrieval: cosine top-k over the catalog's language-model embeddings.

Below ``ann_min_items`` rows the top-k is exact: one matrix-vector product over an (n, d) float32
matrix. From there on an approximate index answers (faiss IVF-Flat, inner product): the product
grows with the catalog, while the inverted lists scan ``nprobe`` of ``nlist`` clusters. The
threshold is measured (``benchmarks/search_ann.py`` prints exact vs ANN time and recall@k by
catalog size). IVF was chosen over HNSW because it updates in place: a changed item's vector is
removed and added again under the same id, and its coarse quantiser trains in seconds, where an
HNSW graph of 55k items takes half a minute to build and cannot drop a stale vector.

The matrix is always kept (it gives candidate cosines and personal centroids); rows grow in place
(amortised doubling) so new items are searchable the moment they are encoded. Exact search also
keeps the matrix transposed (one row per dimension): a query's product with every row then streams
each of them once, ~3× faster than reading the row-major matrix (Beauty's 12k × 384: 1.6 vs 4.5
ms), while gathering candidate rows stays a row read.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

ANN_FILE = "ann.faiss"
# Measured on Home Depot (55k titles, MiniLM int8, 300 test queries, load 10): 2·√n lists with 15 %
# of them probed find 0.970 of the exact top 100 and 0.963 of the top 200 in 1.4 ms (exact: 27 ms);
# 4·√n lists cost twice the k-means time for the same recall, 6 % probed only reaches 0.90.
# The whole search needs less than that: with the learned ranker, 8 % probed (38 of 467 lists) gave
# the same test NDCG@10 / Recall@100 as 15 % (0.7975 / 0.8110 vs 0.7975 / 0.8109, 2,893 queries;
# 5 %: 0.7972 / 0.8107) at 0.50–0.58 instead of 0.85–1.0 ms of CPU a query (load 11).
NPROBE_SHARE = 0.08
MIN_NPROBE = 8


def _faiss() -> Any | None:
    try:
        import faiss
    except ImportError:  # the `ann` extra is not installed: exact search, one warning
        log.warning("faiss is not installed (pip install 'shelfwise[ann]'): exact dense search")
        return None
    faiss.omp_set_num_threads(1)  # one request thread; the serving process shares its cores
    return faiss


def _read_mapped(faiss: Any, path: Path) -> Any:
    """The saved index with its inverted lists memory-mapped: reading Home Depot's 85 MB file cost
    0.58 s of a one-off search (load 5), the mapped file 1 ms plus the pages a search touches
    (same answers). Read-only: ``DenseIndex._own_ann`` reads the file before any change."""
    index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP)
    # No prefetch threads (faiss starts 32 per search to page lists in): the page faults of one
    # search's lists cost less than the threads on a shared 2-core machine.
    lists = faiss.downcast_InvertedLists(faiss.extract_index_ivf(index).invlists)
    if hasattr(lists, "prefetch_nthread"):  # OnDiskInvertedLists (faiss 1.15 maps into these)
        lists.prefetch_nthread = 0
    return index


def ivf_lists(rows: int) -> int:
    """Inverted lists for ``rows`` vectors: 2·√n, at least 16."""
    return max(16, int(2 * math.sqrt(rows)))


class DenseIndex:
    def __init__(self, dim: int, ann_min_items: int = 0) -> None:
        """``ann_min_items``: rows from which the approximate index answers (0: always exact)."""
        self.dim = dim
        self.ann_min_items = ann_min_items
        self._matrix = np.zeros((0, dim), dtype=np.float32)
        self._size = 0
        self._ann: Any | None = None  # a faiss IndexIVFFlat whose ids are rows
        self._ann_file: Path | None = None  # set while _ann is the saved file, mapped read-only
        self._columns: np.ndarray | None = None  # the matrix transposed, for exact scores (lazy)

    def __len__(self) -> int:
        return self._size

    @property
    def approximate(self) -> bool:
        """Whether ``top`` answers from the approximate index."""
        return self._ann is not None

    def set_rows(self, rows: np.ndarray, vectors: np.ndarray) -> None:
        """Write ``vectors`` at ``rows`` (growing the matrix as needed)."""
        if len(rows) == 0:
            return
        needed = int(rows.max()) + 1
        if needed > self._matrix.shape[0]:
            grown = np.zeros((max(needed, 2 * self._matrix.shape[0]), self.dim), dtype=np.float32)
            grown[: self._size] = self._matrix[: self._size]
            self._matrix = grown
            self._columns = None  # rebuilt at the next exact search
        self._matrix[rows] = vectors
        if self._columns is not None:
            self._columns[:, rows] = np.asarray(vectors, dtype=np.float32).T
        self._size = max(self._size, needed)
        if self._ann is not None:
            self._own_ann()
            ids = np.asarray(rows, dtype=np.int64)
            self._ann.remove_ids(ids)  # a changed item's old vector goes; absent ids are ignored
            self._ann.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
        elif self.ann_min_items and self._size >= self.ann_min_items:
            self.build_ann()

    def matrix(self) -> np.ndarray:
        return self._matrix[: self._size]

    def build_ann(self) -> None:
        """(Re)build the approximate index over every row (seconds: k-means of the coarse lists)."""
        faiss = _faiss()
        if faiss is None or self._size == 0:
            return
        data = np.ascontiguousarray(self.matrix())
        nlist = min(ivf_lists(self._size), self._size)
        quantiser = faiss.IndexFlatIP(self.dim)
        index = faiss.IndexIVFFlat(quantiser, self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(data)
        index.add_with_ids(data, np.arange(self._size, dtype=np.int64))
        index.nprobe = max(MIN_NPROBE, math.ceil(NPROBE_SHARE * nlist))
        self._ann, self._ann_file = index, None

    def save_ann(self, directory: Path) -> None:
        faiss = _faiss() if self._ann is not None else None
        if faiss is not None:
            self._own_ann()  # a mapped index would be written as a reference to its file
            faiss.write_index(self._ann, str(directory / ANN_FILE))

    def load(self, matrix: np.ndarray, directory: Path | None = None) -> None:
        """Take ``matrix`` as the rows, and the approximate index saved in ``directory`` with it
        (built afresh when the catalog is large enough and none was saved)."""
        self._matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        self._size = len(self._matrix)
        self._ann, self._ann_file = None, None
        self._columns = None
        if not self.ann_min_items or self._size < self.ann_min_items:
            return
        saved = None if directory is None else directory / ANN_FILE
        faiss = _faiss()
        if faiss is not None and saved is not None and saved.exists():
            mapped = hasattr(faiss, "IO_FLAG_MMAP")  # a faiss without it: read into memory
            self._ann = _read_mapped(faiss, saved) if mapped else faiss.read_index(str(saved))
            self._ann_file = saved if mapped else None
            if self._ann.ntotal != self._size:  # not saved with these rows: rebuild
                self.build_ann()
            else:  # the probe count is this code's, not the one the file was written with
                self._ann.nprobe = max(MIN_NPROBE, math.ceil(NPROBE_SHARE * self._ann.nlist))
        else:
            self.build_ann()

    def _own_ann(self) -> None:
        """Read the mapped index into memory before it is changed: writing a read-only mapped list
        fails in faiss, at worst by aborting the process (measured: ``remove_ids`` did)."""
        if self._ann_file is not None and self._ann is not None:
            nprobe = self._ann.nprobe
            self._ann = _faiss().read_index(str(self._ann_file))  # type: ignore[union-attr]
            self._ann.nprobe = nprobe
            self._ann_file = None

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine of the (unit) query with every row."""
        if self._columns is None or self._columns.shape[1] != self._matrix.shape[0]:
            self._columns = np.ascontiguousarray(self._matrix.T)
        return np.asarray(query, dtype=np.float32) @ self._columns[:, : self._size]

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        return self._matrix[rows]

    def top(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if self._ann is not None and self._size > k:
            return self.top_approximate(query, k)
        return self.top_exact(query, k)

    def top_exact(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores = self.scores(query)
        if scores.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        k = min(k, scores.size)
        part = np.argpartition(-scores, k - 1)[:k]
        order = part[np.argsort(-scores[part], kind="stable")]
        return order.astype(np.int64), scores[order]

    def top_approximate(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        assert self._ann is not None
        vector = np.asarray(query, dtype=np.float32).reshape(1, -1)
        scores, rows = self._ann.search(vector, k)
        found = rows[0] >= 0  # fewer than k in the probed lists: faiss pads with -1
        return rows[0][found].astype(np.int64), scores[0][found].astype(np.float32)
