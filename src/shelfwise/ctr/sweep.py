"""Training rows from a log, in time order: each impression's features see only what happened
before it (earlier impressions, clicks and purchases that had already happened, the customer's
earlier engagement), so no row carries its own label or a later one."""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby

import numpy as np

from shelfwise.ctr.examples import ClickExample
from shelfwise.ctr.features import FEATURE_NAMES, Context, ItemSpace, ItemStats, RecentItems, feature_rows


@dataclass(frozen=True, slots=True)
class Engagement:
    """One engagement event (view, click, cart, purchase, rating, review) of a customer."""

    timestamp: float
    customer: str
    item_id: str


@dataclass
class SweepResult:
    features: np.ndarray  # (examples, FEATURE_NAMES)
    stats: ItemStats  # the item statistics at the end (or at ``stats_until``)
    histories: dict[str, RecentItems] = field(default_factory=dict)


def sweep(
    examples: Sequence[ClickExample],
    engagements: Sequence[Engagement],
    space: ItemSpace,
    placements: Mapping[str, int],
    query_vectors: Mapping[str, np.ndarray] | None = None,
    stats_until: float | None = None,
    curve: list[float] | None = None,
) -> SweepResult:
    """Feature rows aligned with ``examples`` (both inputs in time order).

    ``stats_until``: item statistics stop counting at this time (offline evaluation: the held-out
    slice is scored with what the training window knew); customer histories keep going, as the
    server's live profiles do.

    ``curve``: the examination probability per slot (``examination_curve``) that corrects the
    item click-through for the slots it was shown in; None: raw click rates per slot."""
    stats = ItemStats(curve=list(curve or []))
    histories: dict[str, RecentItems] = {}
    pending: list[tuple[float, int, str, ClickExample]] = []  # outcomes that have not happened yet
    rows = np.empty((len(examples), len(FEATURE_NAMES)), dtype=np.float32)
    next_engagement = 0
    counter = 0
    frozen = stats_until if stats_until is not None else float("inf")
    start = 0
    for timestamp, group in groupby(examples, key=lambda e: e.timestamp):
        batch = list(group)
        while next_engagement < len(engagements) and engagements[next_engagement].timestamp < timestamp:
            done = engagements[next_engagement]
            histories.setdefault(done.customer, RecentItems()).add(done.item_id)
            if done.timestamp < frozen:
                stats.add_engagement(done.item_id)
            next_engagement += 1
        while pending and pending[0][0] < min(timestamp, frozen):
            _, _, kind, shown = heapq.heappop(pending)
            _count_outcome(stats, kind, shown)
        for n, example in enumerate(batch):
            history = histories.get(example.customer) or RecentItems()
            query = example.query
            context = Context(
                placements.get(example.placement, -1),
                example.position,
                query,
                query_vectors.get(query) if query and query_vectors else None,
            )
            rows[start + n] = feature_rows(
                [example.item_id], context, history, stats, space, [example.source_rank]
            )[0]
        for example in batch:
            if example.timestamp >= frozen:
                continue
            stats.add_impression(example.item_id, example.query, example.position)
            for kind, when in (("click", example.clicked_at), ("purchase", example.purchased_at)):
                if when is not None:
                    counter += 1
                    heapq.heappush(pending, (when, counter, kind, example))
        start += len(batch)
    for done in engagements[next_engagement:]:
        histories.setdefault(done.customer, RecentItems()).add(done.item_id)
        if done.timestamp < frozen:
            stats.add_engagement(done.item_id)
    for when, _, kind, shown in sorted(pending, key=lambda p: (p[0], p[1])):
        if when < frozen:
            _count_outcome(stats, kind, shown)
    return SweepResult(rows, stats, histories)


def _count_outcome(stats: ItemStats, kind: str, shown: ClickExample) -> None:
    if kind == "click":
        stats.add_click(shown.item_id, shown.query, shown.position)
    else:
        stats.add_purchase(shown.item_id)
