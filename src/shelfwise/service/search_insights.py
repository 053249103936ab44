"""Use case: what shoppers search for (the dashboard's search page and ``GET /v1/admin/search-insights``).

A *search* is one searcher's (session, or user without a session) events for one normalised query,
as the search ranker groups them. It *showed results* when impressions were logged for it, and it
*was clicked* when a click, add-to-cart or purchase followed. A zero-result query is one whose
searches logged a ``search`` event and no impression — only meaningful when the shop logs
impressions at all, so the answer says whether it does.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from shelfwise.search.behaviour import SEARCH_EVENT_TYPES, query_key
from shelfwise.storage.base import EventStore

ENGAGED = frozenset({"click", "add_to_cart", "purchase"})
MIN_SEARCHES_FOR_CTR = 5  # a click-through rate over fewer searches says little
TOP = 15


@dataclass(frozen=True)
class QueryStats:
    query: str  # normalised (lower case, single spaces)
    searches: int
    with_results: int  # searches that logged impressions
    clicked: int  # searches followed by a click, cart or purchase

    @property
    def ctr(self) -> float:
        return self.clicked / self.searches if self.searches else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "searches": self.searches,
            "with_results": self.with_results,
            "clicked": self.clicked,
            "ctr": self.ctr,
        }


@dataclass(frozen=True)
class SearchInsights:
    searches: int
    distinct_queries: int
    logs_impressions: bool
    top: list[QueryStats]  # most searched
    zero_result: list[QueryStats]  # searched, nothing shown (empty when impressions are not logged)
    low_ctr: list[QueryStats]  # at least MIN_SEARCHES_FOR_CTR searches, lowest click-through first

    def as_dict(self) -> dict[str, Any]:
        return {
            "searches": self.searches,
            "distinct_queries": self.distinct_queries,
            "logs_impressions": self.logs_impressions,
            "min_searches_for_ctr": MIN_SEARCHES_FOR_CTR,
            "top": [q.as_dict() for q in self.top],
            "zero_result": [q.as_dict() for q in self.zero_result],
            "low_ctr": [q.as_dict() for q in self.low_ctr],
        }


def query_stats(store: EventStore) -> list[QueryStats]:
    """Per normalised query: searches, searches with results, searches with a click."""
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)  # search → the event types it logged
    for stored in store.iter_events(types=SEARCH_EVENT_TYPES, with_query=True):
        event = stored.event
        key = query_key(event.query or "")
        if key:
            seen[(event.session_id or event.user_id, key)].add(event.type)
    per_query: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for (_, query), types in seen.items():
        counts = per_query[query]
        counts[0] += 1
        counts[1] += "impression" in types
        counts[2] += bool(types & ENGAGED)
    return [QueryStats(q, n, shown, clicked) for q, (n, shown, clicked) in per_query.items()]


def search_insights(store: EventStore, top: int = TOP) -> SearchInsights:
    stats = query_stats(store)
    logs_impressions = any(q.with_results for q in stats)
    by_volume = sorted(stats, key=lambda q: (-q.searches, q.query))
    zero = [q for q in by_volume if q.with_results == 0] if logs_impressions else []
    rated = [q for q in stats if q.searches >= MIN_SEARCHES_FOR_CTR]
    low = sorted(rated, key=lambda q: (q.ctr, -q.searches, q.query))
    return SearchInsights(
        searches=sum(q.searches for q in stats),
        distinct_queries=len(stats),
        logs_impressions=logs_impressions,
        top=by_volume[:top],
        zero_result=zero[:top],
        low_ctr=low[:top],
    )
