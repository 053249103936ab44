"""The server's impression log: every list it serves, written in batches off the request path.

A request only appends ``(list, user, time)`` to an in-memory buffer (a lock held for one append).
A background thread turns the buffer into ``Impression`` rows and writes them through
``FeedbackStore.append_impressions`` when ``batch_size`` rows wait or every ``flush_seconds``,
whichever comes first; ``stop()`` writes everything left, so a clean shutdown loses nothing. A write
that fails (the database is away) keeps its rows for the next try; past ``buffer_max`` rows the
oldest lists are dropped and counted rather than slowing requests or exhausting memory.

Writes are idempotent (``(request_id, item_id, origin)`` is unique), so a batch retried after an
uncertain failure is not counted twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from shelfwise.domain import Impression, customer_id_for
from shelfwise.service.pipeline import RankedList
from shelfwise.storage.base import Store

log = logging.getLogger(__name__)
STOP_RETRIES = 3  # attempts to write what is left at shutdown before giving up (and saying so)


@dataclass(frozen=True, slots=True)
class _Served:
    ranked: RankedList
    user_id: str | None
    at: float


def impressions_of(ranked: RankedList, user_id: str | None, at: float) -> list[Impression]:
    """One server impression per item of a served list, at its 0-based position, with the rank its
    source gave it before re-scoring."""
    customer = ranked.customer_id
    if customer is None and user_id is not None:
        customer = customer_id_for(user_id)  # an unknown user is its own customer, as ingest names it
    return [
        Impression(
            request_id=ranked.request_id,
            item_id=scored.item_id,
            position=position,
            placement=ranked.placement,
            timestamp=at,
            user_id=user_id,
            customer_id=customer,
            model_version=ranked.model_version,
            experiment=ranked.experiment,
            variant=ranked.variant,
            propensity=ranked.propensities[position] if ranked.propensities else None,
            source_rank=ranked.source_ranks.get(scored.item_id),
        )
        for position, scored in enumerate(ranked.items)
    ]


class ImpressionLogger:
    def __init__(
        self,
        open_store: Callable[[], Store],
        batch_size: int = 500,
        flush_seconds: float = 1.0,
        buffer_max: int = 200_000,
        owns_store: bool = True,
    ) -> None:
        self._open_store = open_store  # called in the writer thread: the connection belongs to it
        self._owns_store = owns_store  # False: a store shared with the caller, left open
        self._batch_size = batch_size
        self._flush_seconds = flush_seconds
        self._buffer_max = buffer_max
        self._pending: deque[_Served] = deque()
        self._pending_rows = 0
        self._lock = threading.Lock()  # guards _pending (held for one append on the request path)
        self._writing = threading.Lock()  # held while a drained batch is on its way to the store
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._flush_requests: list[threading.Event] = []  # flush() callers waiting for the next write
        self._store: Store | None = None
        self._thread: threading.Thread | None = None
        self.written = 0  # impression rows stored (new)
        self.dropped = 0  # rows dropped because the buffer was full

    # ------------------------------------------------------------------ request path
    def log(self, ranked: RankedList, user_id: str | None) -> None:
        if not ranked.items:
            return
        entry = _Served(ranked, user_id, time.time())
        with self._lock:
            self._pending.append(entry)
            self._pending_rows += len(ranked.items)
            while self._pending_rows > self._buffer_max and len(self._pending) > 1:
                oldest = self._pending.popleft()
                self._pending_rows -= len(oldest.ranked.items)
                self.dropped += len(oldest.ranked.items)
            full = self._pending_rows >= self._batch_size
        if full:
            self._wake.set()

    @property
    def pending(self) -> int:
        return self._pending_rows

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="impression-log", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Write everything still buffered, then end the writer thread."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def flush(self, timeout: float = 30.0) -> bool:
        """Write what is buffered now and wait for it (before events are attributed, so a click finds
        its list). False when the writer is not running or did not finish within ``timeout``."""
        if self._thread is None or not self._thread.is_alive():
            return False
        # Nothing buffered and no batch in flight (rows are drained under the write lock): done.
        if self._pending_rows == 0 and not self._writing.locked():
            return True
        done = threading.Event()
        with self._lock:
            self._flush_requests.append(done)
        self._wake.set()
        return done.wait(timeout)

    def forget(self, customer_ids: Iterable[str], user_ids: Iterable[str]) -> int:
        """Drop buffered lists of these customers/accounts; returns how many rows were dropped.

        Holds the write lock, so no batch with their rows is in flight once it returns: deleting
        their stored rows afterwards leaves nothing of them behind."""
        customers, users = set(customer_ids), set(user_ids)
        with self._writing, self._lock:
            kept: deque[_Served] = deque()
            removed = 0
            for entry in self._pending:
                if entry.ranked.customer_id in customers or entry.user_id in users:
                    removed += len(entry.ranked.items)
                else:
                    kept.append(entry)
            self._pending = kept
            self._pending_rows -= removed
        return removed

    # ------------------------------------------------------------------ writer thread
    def _run(self) -> None:
        self._store = self._open_store()
        try:
            while not self._stopping.is_set():
                self._wake.wait(self._flush_seconds)
                self._wake.clear()
                # Taken before draining: a flush asked for later waits for the next round, which
                # then includes every list logged before it asked.
                waiting = self._take_flush_requests()
                self._write_pending()
                for done in waiting:
                    done.set()
            for _ in range(STOP_RETRIES):
                if self._write_pending():
                    break
            if self._pending_rows:
                log.error("shutting down with %d impressions not written", self._pending_rows)
            for done in self._take_flush_requests():
                done.set()
        finally:
            if self._owns_store:
                self._store.close()

    def _take_flush_requests(self) -> list[threading.Event]:
        with self._lock:
            waiting, self._flush_requests = self._flush_requests, []
        return waiting

    def _write_pending(self) -> bool:
        """Write the whole buffer in batches; False (rows kept for the next try) when a write fails."""
        assert self._store is not None
        with self._writing:
            with self._lock:
                drained, self._pending = self._pending, deque()
                self._pending_rows = 0
            rows = [row for entry in drained for row in impressions_of(entry.ranked, entry.user_id, entry.at)]
            try:
                for start in range(0, len(rows), self._batch_size):
                    self.written += self._store.append_impressions(rows[start : start + self._batch_size])
            except Exception:
                # Put the whole drained buffer back: rows already written are skipped next time.
                log.exception("writing %d impressions failed; keeping them for the next try", len(rows))
                with self._lock:
                    self._pending.extendleft(reversed(drained))
                    self._pending_rows += len(rows)
                return False
        return True
