"""Per-customer cache of the next-item model's ranking (before rules), invalidated by events.

Scoring a customer (candidates, features, SASRec, LightGBM) is most of a recommendation's time,
and its answer depends only on the model version and the customer's history. Live profiles are
immutable values replaced by every event, forget and identity change (``profiles.live``), so the
profile object itself is the cache key's freshness: an entry answers only while the customer's
current profile *is* the one it was computed from. The next request after an event therefore
scores afresh (real time holds), and a returning customer with no new event skips scoring. One
cache per served version (it lives in that version's list service), so a model swap starts empty.

Only the top ``depth`` positions are kept (a full score row is one float per catalog item): enough
for ``fetch`` candidates plus the purchases a request masks; a request needing more scores afresh.
Rules, reasons and new arrivals run on every request (they read the live catalog).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from shelfwise.history import CustomerHistory
from shelfwise.profiles import CustomerProfile


@dataclass(frozen=True, slots=True)
class Ranking:
    """A customer's model ranking: the best finite positions, best first, and their scores."""

    history: CustomerHistory | None
    positions: np.ndarray  # int64 item positions
    scores: np.ndarray  # float32, same order
    complete: bool  # every finite-scored item is in ``positions``

    def top(self, fetch: int, masked: set[int] | frozenset[int]) -> tuple[np.ndarray, np.ndarray] | None:
        """The first ``fetch`` (positions, scores) not in ``masked``; None when the kept depth
        cannot tell (the ranking was cut and too many of its positions are masked)."""
        positions, scores = self.positions, self.scores
        if masked:
            keep = ~np.isin(positions, np.fromiter(masked, np.int64, len(masked)))
            positions, scores = positions[keep], scores[keep]
        if len(positions) < fetch and not self.complete:
            return None
        return positions[:fetch], scores[:fetch]


class RankingCache:
    """Least-recently-used rankings by customer id, each valid for one profile object."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[str, tuple[CustomerProfile, Ranking]] = OrderedDict()
        self._lock = threading.Lock()  # the request thread and the loader's warm-up may both call
        self.hits = 0
        self.misses = 0

    def get(self, profile: CustomerProfile) -> Ranking | None:
        with self._lock:
            entry = self._entries.get(profile.customer_id)
            if entry is None or entry[0] is not profile:  # never seen, or an event since
                self.misses += 1
                return None
            self._entries.move_to_end(profile.customer_id)
            self.hits += 1
            return entry[1]

    def put(self, profile: CustomerProfile, ranking: Ranking) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            self._entries[profile.customer_id] = (profile, ranking)
            self._entries.move_to_end(profile.customer_id)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
