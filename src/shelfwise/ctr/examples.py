"""Training examples for the click and conversion models: one per impression, with what followed.

Two sources, one shape:

* the feedback log (``FeedbackStore``): impressions the server logged or the shop's front end posted,
  and the outcomes (click, cart, purchase) credited to them by ``request_id``;
* ``impression`` events in the events table (a search log ingested from files, the demo shop's
  search results): an impression is answered by the same account's later ``click`` /
  ``add_to_cart`` / ``purchase`` of the same item within the attribution window (for an impression
  with a ``query``, only events of the same query or without one count).

An impression present in both (same ``request_id`` and item) is counted once.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from shelfwise.domain import Event, Impression, Outcome

# Seconds after an impression within which a click or purchase of the item is credited to it.
DEFAULT_WINDOW_S = 24 * 3600.0
OUTCOME_EVENTS = ("click", "add_to_cart", "purchase")


@dataclass(frozen=True, slots=True)
class ClickExample:
    """One shown item and what the shopper did with it afterwards."""

    timestamp: float
    customer: str  # customer id (or the account id when no customer is resolved)
    item_id: str
    position: int
    placement: str
    query: str | None = None
    request_id: str | None = None
    clicked_at: float | None = None  # None: not clicked within the window
    purchased_at: float | None = None  # None: not bought within the window
    source_rank: int | None = None  # the source's rank before re-scoring; None: not logged
    # Probability the logging policy put this item in this slot (exploration); None: not logged.
    propensity: float | None = None

    @property
    def clicked(self) -> bool:
        return self.clicked_at is not None

    @property
    def purchased(self) -> bool:
        return self.purchased_at is not None


def _placement_of(event: Event) -> str:
    if event.placement:
        return event.placement
    return "search" if event.query else "home"


def examples_from_events(
    events: Iterable[Event], customer_of: dict[str, str], window_s: float = DEFAULT_WINDOW_S
) -> list[ClickExample]:
    """Join ``impression`` events to the same account's later outcomes on the item.

    Events must come in time order. A purchase also counts as a click (a shopper who bought it
    clicked it, even when the log has no click row). A position missing from the log is the
    impression's rank among the impressions of its (account, query, timestamp) batch."""
    impressions: list[Event] = []
    outcomes: dict[tuple[str, str], list[tuple[float, str, str | None]]] = defaultdict(list)
    for event in events:
        if event.item_id is None:
            continue
        if event.type == "impression":
            impressions.append(event)
        elif event.type in OUTCOME_EVENTS:
            outcomes[(event.user_id, event.item_id)].append((event.timestamp, event.type, event.query))
    batch_slot: dict[tuple[str, str | None, float], int] = defaultdict(int)
    examples = []
    for shown in impressions:
        if shown.position is not None:
            position = shown.position
        else:
            batch = (shown.user_id, shown.query, shown.timestamp)
            position = batch_slot[batch]
            batch_slot[batch] += 1
        clicked_at, purchased_at = _first_outcomes(
            outcomes.get((shown.user_id, shown.item_id), []), shown, window_s
        )
        examples.append(
            ClickExample(
                timestamp=shown.timestamp,
                customer=customer_of.get(shown.user_id, shown.user_id),
                item_id=str(shown.item_id),
                position=position,
                placement=_placement_of(shown),
                query=shown.query,
                request_id=shown.request_id,
                clicked_at=clicked_at,
                purchased_at=purchased_at,
            )
        )
    return examples


def _first_outcomes(
    later: list[tuple[float, str, str | None]], shown: Event, window_s: float
) -> tuple[float | None, float | None]:
    start = bisect.bisect_left(later, (shown.timestamp,))
    clicked_at = purchased_at = None
    for when, kind, query in later[start:]:
        if when > shown.timestamp + window_s:
            break
        if shown.query and query and query != shown.query:
            continue  # a click after another search answers that search
        if clicked_at is None and kind in ("click", "add_to_cart", "purchase"):
            clicked_at = when
        if purchased_at is None and kind == "purchase":
            purchased_at = when
    return clicked_at, purchased_at


def examples_from_feedback(
    impressions: Iterable[Impression], outcomes: Iterable[Outcome], customer_of: dict[str, str]
) -> list[ClickExample]:
    """The feedback log: outcomes are already credited to (request_id, item_id)."""
    clicked: dict[tuple[str, str], float] = {}
    purchased: dict[tuple[str, str], float] = {}
    for outcome in outcomes:
        key = (outcome.request_id, outcome.item_id)
        clicked[key] = min(clicked.get(key, outcome.timestamp), outcome.timestamp)
        if outcome.type == "purchase":
            purchased[key] = min(purchased.get(key, outcome.timestamp), outcome.timestamp)
    examples = []
    for shown in impressions:
        owner = shown.customer_id or customer_of.get(shown.user_id or "", shown.user_id or "")
        key = (shown.request_id, shown.item_id)
        examples.append(
            ClickExample(
                timestamp=shown.timestamp,
                customer=owner or "anonymous",
                item_id=shown.item_id,
                position=shown.position,
                placement=shown.placement,
                request_id=shown.request_id,
                clicked_at=clicked.get(key),
                purchased_at=purchased.get(key),
                source_rank=shown.source_rank,
                propensity=shown.propensity,
            )
        )
    return examples


def merge_examples(*sources: Iterable[ClickExample]) -> list[ClickExample]:
    """All sources in time order; an impression logged in two sources (same request and item) once,
    keeping the earliest outcomes either source saw."""
    merged: dict[tuple[str, str], ClickExample] = {}
    anonymous: list[ClickExample] = []
    for source in sources:
        for example in source:
            if example.request_id is None:
                anonymous.append(example)
                continue
            key = (example.request_id, example.item_id)
            known = merged.get(key)
            merged[key] = example if known is None else _combine(known, example)
    return sorted([*merged.values(), *anonymous], key=lambda e: (e.timestamp, e.position))


def _combine(a: ClickExample, b: ClickExample) -> ClickExample:
    def earliest(x: float | None, y: float | None) -> float | None:
        return y if x is None else x if y is None else min(x, y)

    return replace(
        a,
        clicked_at=earliest(a.clicked_at, b.clicked_at),
        purchased_at=earliest(a.purchased_at, b.purchased_at),
        query=a.query or b.query,
        source_rank=a.source_rank if a.source_rank is not None else b.source_rank,
        propensity=a.propensity if a.propensity is not None else b.propensity,
    )
