"""Items that arrived after the served model was trained, made recommendable through their text.

A trained model only scores the items it was trained on. A new item posted to the API is encoded
on arrival, by the model's own text encoder (through the ``EmbeddingCache``, so a re-post costs
nothing), in a background thread so the POST does not wait for the language model. Its vector sits
in the same space as the model's ``item_embeddings.npy``, so it can be matched against what a
customer engaged with: the recommendation stage gives the best such new arrivals a slot with the
reason "new: similar to X, which you viewed". The next ``shelfwise train`` folds them into the model.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shelfwise.domain import Item
from shelfwise.encoders import EmbeddingCache, TextEncoder, item_text

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FreshMatch:
    item_id: str
    similarity: float
    anchor: int  # row of the query vectors that matched best


@dataclass(frozen=True, slots=True)
class _Snapshot:
    item_ids: tuple[str, ...]
    vectors: np.ndarray  # (n, d) L2-normalised


class FreshItems:
    """New items' vectors, filled by a background encoder; reads see a consistent snapshot."""

    def __init__(self, make_encoder: Callable[[], TextEncoder], cache_dir: Path, dim: int) -> None:
        self._make_encoder = make_encoder
        self._cache_dir = cache_dir
        self._snapshot = _Snapshot((), np.zeros((0, dim), dtype=np.float32))
        self._queue: queue.Queue[list[Item] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()
        self._listeners: list[Callable[[list[str], np.ndarray], None]] = []
        self._listen_lock = threading.Lock()  # a new listener sees every batch exactly from its start

    def __len__(self) -> int:
        return len(self._snapshot.item_ids)

    @property
    def snapshot(self) -> object:
        """The vectors as they are now: another object after every change (cached lists compare it)."""
        return self._snapshot

    def submit(self, items: Sequence[Item]) -> None:
        if not items:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="fresh-item-encoder", daemon=True)
            self._thread.start()
        self._idle.clear()
        self._queue.put(list(items))

    def subscribe(self, listener: Callable[[list[str], np.ndarray], None]) -> None:
        """Call ``listener(item_ids, vectors)`` now with the vectors made so far, then from the
        encoder thread with every new batch (the complement service's new items)."""
        with self._listen_lock:
            self._listeners.append(listener)
            snapshot = self._snapshot
        if snapshot.item_ids:
            self._notify([listener], list(snapshot.item_ids), snapshot.vectors)

    def _notify(
        self,
        listeners: list[Callable[[list[str], np.ndarray], None]],
        item_ids: list[str],
        vectors: np.ndarray,
    ) -> None:
        for listener in listeners:
            try:
                listener(item_ids, vectors)
            except Exception:  # a listener's bug must not stop the encoder
                log.exception("a new-item listener failed on %d items", len(item_ids))

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until everything submitted is encoded (tests, benchmarks)."""
        return self._idle.wait(timeout)

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)

    def _work(self) -> None:
        cache: EmbeddingCache | None = None
        try:
            while True:
                batch = self._queue.get()
                if batch is None:
                    return
                try:
                    if cache is None:
                        cache = EmbeddingCache(self._make_encoder(), self._cache_dir)
                    vectors = cache.encode([item_text(item) for item in batch], progress=False)
                    ids = [item.item_id for item in batch]
                    with self._listen_lock:
                        self._add(ids, vectors)
                        listeners = list(self._listeners)
                    self._notify(listeners, ids, np.asarray(vectors, dtype=np.float32))
                except Exception:  # a broken encoder must not take the server down
                    log.exception("encoding %d new items failed", len(batch))
                if self._queue.empty():
                    self._idle.set()
        finally:
            if cache is not None:
                cache.close()

    def _add(self, item_ids: list[str], vectors: np.ndarray) -> None:
        old = self._snapshot
        position = {item_id: n for n, item_id in enumerate(old.item_ids)}
        ids = list(old.item_ids)
        matrix = old.vectors.copy()
        appended = []
        for item_id, vector in zip(item_ids, vectors, strict=True):
            if item_id in position:  # an edited item: replace its vector
                matrix[position[item_id]] = vector
            else:
                position[item_id] = len(ids)
                ids.append(item_id)
                appended.append(vector)
        if appended:
            matrix = np.vstack([matrix, np.asarray(appended, dtype=np.float32)])
        self._snapshot = _Snapshot(tuple(ids), matrix)  # one reference swap: readers never see half

    def vector(self, item_id: str) -> np.ndarray | None:
        snapshot = self._snapshot
        try:
            return snapshot.vectors[snapshot.item_ids.index(item_id)]
        except ValueError:
            return None

    def best_matches(self, queries: np.ndarray, k: int, min_similarity: float) -> list[FreshMatch]:
        """New items most similar to any of ``queries`` (rows: L2-normalised vectors)."""
        snapshot = self._snapshot
        if not snapshot.item_ids or not len(queries):
            return []
        similarity = queries @ snapshot.vectors.T  # (queries, fresh items)
        best_row = similarity.argmax(axis=0)
        best = similarity[best_row, np.arange(similarity.shape[1])]
        order = np.argsort(-best, kind="stable")[:k]
        return [
            FreshMatch(snapshot.item_ids[i], float(best[i]), int(best_row[i]))
            for i in order
            if best[i] >= min_similarity
        ]
