"""Attribution: which served list earned a click, a cart or a purchase (the rule: docs/feedback.md).

Runs inside the transaction that stores a batch of events (``Ingestor.on_events``), for the API and
for files alike, and is idempotent: an outcome is stored once per (event id, type), so re-posting an
event or re-ingesting a file credits nothing twice.

1. An ``impression`` event carrying ``request_id`` and ``position`` is what a shop's front end
   rendered: it becomes a client impression (``origin="client"``), beside the server's own log.
2. A click / add_to_cart / purchase **with** a ``request_id`` is credited to that list's impression
   of the item, however late (the id names the list; no window applies). When the front end
   reported the slot it rendered, that row (where the shopper saw it) wins over the server's. The
   list must have shown the item: otherwise nothing is credited — a request id names one list.
3. **Without** one, it is credited to the customer's latest impression of the item within the
   attribution window before the event, across all of the customer's accounts and channels.

Revenue (purchases only) is price × quantity (``value``, default 1), with the catalog price when the
event carries none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from shelfwise.domain import OUTCOME_TYPES, Event, Impression, Outcome, customer_id_for
from shelfwise.history.customers import customer_of
from shelfwise.storage.base import Store

HOUR = 3600.0
# A click may reach us stamped slightly before the impression that caused it (the shop's clock vs
# the server's): impressions up to this many seconds after the event still count.
CLOCK_SLACK_SECONDS = 300.0
UNKNOWN_PLACEMENT = "unknown"


@dataclass(frozen=True, slots=True)
class AttributionResult:
    impressions: int = 0  # client impressions stored
    outcomes: int = 0  # credits stored (new)
    unattributed: int = 0  # outcome events with no impression to credit


@dataclass
class Attributor:
    """Credits a batch of stored events; one instance may serve many batches (it keeps no state)."""

    store: Store
    window_hours: float = 24.0
    _customers: dict[str, str] = field(default_factory=dict, repr=False)
    _lists: dict[str, list[Impression]] = field(default_factory=dict, repr=False)

    def __call__(self, keyed_events: Sequence[tuple[str, Event]]) -> AttributionResult:
        self._customers, self._lists = {}, {}  # accounts may be re-linked, lists logged, between batches
        rendered = [self._client_impression(e) for _, e in keyed_events if is_client_impression(e)]
        stored = self.store.append_impressions(rendered) if rendered else 0
        self._lists = {}  # the batch's own client rows now count
        candidates = [(key, e) for key, e in keyed_events if e.type in OUTCOME_TYPES and e.item_id]
        by_window = [e for _, e in candidates if e.request_id is None]
        skip_window = bool(by_window) and not self._impressions_between(
            min(e.timestamp for e in by_window) - self.window_hours * HOUR,
            max(e.timestamp for e in by_window) + CLOCK_SLACK_SECONDS,
        )
        outcomes: list[Outcome] = []
        for key, event in candidates:
            if event.request_id is None and skip_window:
                continue
            impression = self._credited_impression(event)
            if impression is not None:
                outcomes.append(self._outcome(key, event, impression))
        credited = self.store.record_outcomes(outcomes) if outcomes else 0
        return AttributionResult(stored, credited, len(candidates) - len(outcomes))

    # ------------------------------------------------------------------ the rule
    def _credited_impression(self, event: Event) -> Impression | None:
        assert event.item_id is not None
        if event.request_id is not None:
            shown = [i for i in self._list(event.request_id) if i.item_id == event.item_id]
            # The front end's row says where the shopper actually saw the item (it carries the server's
            # stamp); without one, the server's row.
            shown.sort(key=lambda i: i.origin != "client")
            return shown[0] if shown else None
        window = self.window_hours * HOUR
        latest = self.store.latest_impression(
            self.customer_of(event.user_id), event.item_id, event.timestamp - window
        )
        if latest is None or latest.timestamp > event.timestamp + CLOCK_SLACK_SECONDS:
            return None  # nothing shown in the window, or only after the event (it cannot have caused it)
        return latest

    def _outcome(self, key: str, event: Event, impression: Impression) -> Outcome:
        return Outcome(
            event_id=event.event_id or key,
            type=event.type,
            request_id=impression.request_id,
            item_id=impression.item_id,
            position=impression.position,
            placement=impression.placement,
            timestamp=event.timestamp,
            customer_id=self.customer_of(event.user_id),
            model_version=impression.model_version,
            experiment=impression.experiment,
            variant=impression.variant,
            revenue=self._revenue(event),
        )

    def _revenue(self, event: Event) -> float:
        if event.type != "purchase":
            return 0.0
        price = event.price
        if price is None and event.item_id is not None:
            item = self.store.get_item(event.item_id)
            price = item.price if item is not None else None
        quantity = event.value if event.value is not None and event.value > 0 else 1.0
        return (price or 0.0) * quantity

    def _client_impression(self, event: Event) -> Impression:
        assert event.request_id is not None and event.item_id is not None and event.position is not None
        served = self._list(event.request_id)
        stamp = next((i for i in served if i.origin == "server"), None)
        placement = event.placement or (stamp.placement if stamp else UNKNOWN_PLACEMENT)
        return Impression(
            request_id=event.request_id,
            item_id=event.item_id,
            position=event.position,
            placement=placement,
            timestamp=event.timestamp,
            user_id=event.user_id,
            customer_id=self.customer_of(event.user_id),
            model_version=stamp.model_version if stamp else None,
            experiment=stamp.experiment if stamp else None,
            variant=stamp.variant if stamp else None,
            origin="client",
        )

    # ------------------------------------------------------------------ lookups
    def customer_of(self, user_id: str) -> str:
        """The customer an account belongs to (an account seen only now names its own customer)."""
        customer = self._customers.get(user_id)
        if customer is None:
            account = self.store.get_account(user_id)
            customer = customer_of(account) if account is not None else customer_id_for(user_id)
            self._customers[user_id] = customer
        return customer

    def _list(self, request_id: str) -> list[Impression]:
        shown = self._lists.get(request_id)
        if shown is None:
            shown = self._lists[request_id] = self.store.impressions_of_request(request_id)
        return shown

    def _impressions_between(self, since: float, until: float) -> bool:
        """One cheap read before many: a history import with no impression near it credits nothing."""
        found = self.store.iter_impressions(since=since, until=until + 1.0)
        try:
            return next(iter(found), None) is not None
        finally:
            close = getattr(found, "close", None)
            if close is not None:  # a generator: release its cursor now
                close()


def is_client_impression(event: Event) -> bool:
    """An ``impression`` event a front end posted for one slot of a served list."""
    return (
        event.type == "impression"
        and event.request_id is not None
        and event.position is not None
        and event.item_id is not None
    )
