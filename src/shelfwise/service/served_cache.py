"""Served-list cache: the final answer to a repeated recommendation request, reused while nothing
it depends on changed.

A returning customer with no new event gets the same list as last time: the ranking cache
(``placements/ranking_cache.py``) already skips the scoring, but rules, diversity, reasons, new
arrivals and the JSON encoding still cost a few milliseconds per request. This cache keeps the
finished ``RankedList`` (and, for the API, its encoded body) per request key — (user id,
placement, k, exclusions) — tagged with everything the list was computed from:

- the customer's live profile *object* (every event, forget and identity change replaces it, so
  the next request after an event computes afresh: the real-time promise holds);
- the engine's change generation, bumped by every catalog or stock change, change-log entry
  (forgets, identity changes, rules, experiments) and model swap;
- the model version that answered (the ``ActiveModel`` object: a swap or an experiment's variant
  change means another object) and the experiment's variant;
- the new-item vectors' snapshot (new arrivals get slots as they are encoded in the background).

A hit is an identity comparison of those tags. Only the request id (and so the impression log
entry) differs per request: the cached body is kept split around its request id and the new id is
spliced in, so a hit encodes nothing. Lists with exploration (random per request) are not cached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

from shelfwise.profiles import CustomerProfile
from shelfwise.service.pipeline import RankedList

# (user id, placement, k, excluded item ids)
ListKey = tuple[str, str, int, frozenset[str]]


@dataclass(frozen=True, slots=True)
class Freshness:
    """What a cached list was computed from; equal (by identity) means it is still the answer."""

    profile: CustomerProfile | None  # None: an unknown user (the cold-start list)
    generation: int  # the engine's change generation
    model: object  # the loaded model version that answered
    variant: str | None  # the experiment variant (None outside an experiment)
    fresh: object  # the new-item vectors' snapshot (None without new-item vectors)

    def same(self, other: Freshness) -> bool:
        return (
            self.profile is other.profile
            and self.generation == other.generation
            and self.model is other.model
            and self.variant == other.variant
            and self.fresh is other.fresh
        )


@dataclass(slots=True)
class CachedList:
    freshness: Freshness
    ranked: RankedList  # as first served; its request id is replaced per request
    body: tuple[bytes, bytes] | None = None  # the encoded answer before and after its request id

    def served(self, request_id: str) -> RankedList:
        return replace(self.ranked, request_id=request_id)

    def encoded(self, ranked: RankedList, encode: Callable[[RankedList], bytes]) -> bytes:
        """``ranked`` (this entry's list under its own request id) as bytes: spliced from the
        cached body, or encoded once and kept split around the id for the next hits."""
        request_id = ranked.request_id.encode()
        if self.body is not None:
            return self.body[0] + request_id + self.body[1]
        body = encode(ranked)
        if body.count(request_id) == 1:  # else (an id inside the items?) encode every time
            before, _, after = body.partition(request_id)
            self.body = (before, after)
        return body


class ServedListCache:
    """Least-recently-used finished lists by request key."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[ListKey, CachedList] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: ListKey, freshness: Freshness) -> CachedList | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or not entry.freshness.same(freshness):
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: ListKey, freshness: Freshness, ranked: RankedList) -> CachedList:
        """Keep ``ranked`` (computed from ``freshness``); returns its entry (kept or not)."""
        shown = {scored.item_id for scored in ranked.items}
        # Impressions read the source rank of shown items only: the rest of the pool is not kept.
        ranks = {item: rank for item, rank in ranked.source_ranks.items() if item in shown}
        entry = CachedList(freshness, replace(ranked, source_ranks=ranks))
        if self.capacity <= 0:
            return entry
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
        return entry

    def __len__(self) -> int:
        return len(self._entries)
