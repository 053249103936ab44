"""Use case: the shop at a glance (the dashboard's overview and ``GET /v1/admin/overview``).

Events per day by channel and by type come from the store (one GROUP BY); customers, channels and
recency from the server's live profiles; catalog coverage from the served model's home lists.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from shelfwise.errors import ModelError
from shelfwise.service.serving import ServingEngine
from shelfwise.storage.base import DAY_SECONDS, DailyCount

ACTIVE_DAYS = 30  # "active": an event in the last 30 days of the data (not of the wall clock)
COVERAGE_SAMPLE = 100  # customers whose home list is computed to measure catalog coverage
COVERAGE_K = 10
# New customers arrive all the time: re-measure a version's coverage at most this often.
COVERAGE_MAX_AGE_SECONDS = 600.0
EPOCH = dt.date(1970, 1, 1)
MAX_DENSE_DAYS = 3_660  # ten years of days on one axis


@dataclass(frozen=True)
class Coverage:
    """Share of the catalog that appears in the top ``k`` home lists of ``customers`` customers."""

    model_version: str
    customers: int
    k: int
    items_shown: int
    catalog_items: int

    @property
    def share(self) -> float:
        return self.items_shown / self.catalog_items if self.catalog_items else 0.0


@dataclass(frozen=True)
class ShopOverview:
    days: list[str]  # ISO dates, every day from the first event to the last (gaps included)
    events_by_channel: dict[str, list[int]]  # channel → events on each of ``days``
    events_by_type: dict[str, list[int]]
    events: int
    customers: int
    active_customers: int  # an event in the ACTIVE_DAYS days ending at the newest event
    multichannel_customers: int  # events in two or more channels
    catalog_items: int
    model_version: str | None
    coverage: Coverage | None
    notes: list[str] = field(default_factory=list)

    @property
    def multichannel_share(self) -> float:
        return self.multichannel_customers / self.customers if self.customers else 0.0

    def as_dict(self) -> dict[str, Any]:
        coverage = self.coverage
        return {
            "days": self.days,
            "events_by_channel": self.events_by_channel,
            "events_by_type": self.events_by_type,
            "events": self.events,
            "customers": self.customers,
            "active_customers": self.active_customers,
            "active_days": ACTIVE_DAYS,
            "multichannel_customers": self.multichannel_customers,
            "multichannel_share": self.multichannel_share,
            "catalog_items": self.catalog_items,
            "model_version": self.model_version,
            "coverage": None
            if coverage is None
            else {
                "model_version": coverage.model_version,
                "customers": coverage.customers,
                "k": coverage.k,
                "items_shown": coverage.items_shown,
                "catalog_items": coverage.catalog_items,
                "share": coverage.share,
            },
            "notes": self.notes,
        }


def day_label(day: int) -> str:
    """ISO date of a day number; a timestamp outside the calendar (year > 9999) keeps its number."""
    try:
        return (EPOCH + dt.timedelta(days=day)).isoformat()
    except OverflowError:
        return f"day {day} after 1970-01-01"


def daily_series(counts: list[DailyCount]) -> tuple[list[str], dict[str, list[int]], dict[str, list[int]]]:
    """Per-day series: every day from the first to the last (a day without events is a zero), unless
    they span more than MAX_DENSE_DAYS (a stray timestamp far away): then only the days with events."""
    if not counts:
        return [], {}, {}
    active = sorted({count.day for count in counts})
    dense = active[-1] - active[0] < MAX_DENSE_DAYS
    axis = list(range(active[0], active[-1] + 1)) if dense else active
    position = {day: n for n, day in enumerate(axis)}
    by_channel: dict[str, list[int]] = defaultdict(lambda: [0] * len(axis))
    by_type: dict[str, list[int]] = defaultdict(lambda: [0] * len(axis))
    for count in counts:
        by_channel[count.channel][position[count.day]] += count.events
        by_type[count.type][position[count.day]] += count.events
    return [day_label(day) for day in axis], dict(sorted(by_channel.items())), dict(sorted(by_type.items()))


class OverviewService:
    """Keeps the coverage of the served version: it needs one home list per sampled customer, so it
    is measured once per model version and ten minutes rather than on every page view — and on the
    first view, not at start-up (a server that never shows the dashboard never pays for it)."""

    def __init__(self, engine: ServingEngine) -> None:
        self._engine = engine
        self._coverage: dict[str, tuple[float, Coverage]] = {}  # version → (measured at, coverage)

    def overview(self) -> ShopOverview:
        engine = self._engine
        days, by_channel, by_type = daily_series(engine.context.store.daily_event_counts())
        profiles = engine.profiles.customers()
        newest = max((p.last_event_at for p in profiles if p.last_event_at is not None), default=None)
        since = None if newest is None else newest - ACTIVE_DAYS * DAY_SECONDS
        active = sum(1 for p in profiles if since is not None and (p.last_event_at or -1.0) >= since)
        notes = []
        try:
            coverage = self.coverage()
        except ModelError as exc:
            coverage = None
            notes.append(f"no coverage: {exc}")
        return ShopOverview(
            days=days,
            events_by_channel=by_channel,
            events_by_type=by_type,
            events=sum(sum(series) for series in by_type.values()),
            customers=len(profiles),
            active_customers=active,
            multichannel_customers=sum(1 for p in profiles if len(p.channels) >= 2),
            catalog_items=len(engine.catalog),
            model_version=engine.version,
            coverage=coverage,
            notes=notes,
        )

    def coverage(self) -> Coverage:
        """Distinct items in the top-``COVERAGE_K`` home lists of an evenly spread sample of customers."""
        engine = self._engine
        version = engine.active().version
        customers = sorted(p.customer_id for p in engine.profiles.customers())
        cached = self._coverage.get(version)
        if cached is not None and time.monotonic() - cached[0] < COVERAGE_MAX_AGE_SECONDS:
            return cached[1]
        step = max(1, len(customers) // COVERAGE_SAMPLE)
        sample = customers[::step][:COVERAGE_SAMPLE]
        shown: set[str] = set()
        # The batch path (customers scored together): the same lists as one request each, far cheaper.
        for ranked in engine.active().lists.recommend_many(sample, COVERAGE_K):
            shown.update(s.item_id for s in ranked.items)
        coverage = Coverage(version, len(sample), COVERAGE_K, len(shown), len(engine.catalog))
        self._coverage = {version: (time.monotonic(), coverage)}
        return coverage
