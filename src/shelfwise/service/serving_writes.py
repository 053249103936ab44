"""The write side of the serving engine (a mixin of ``ServingEngine``): batches written through
the store and made visible before the answer (``sync``, also the catch-up with other processes'
writes), clicks whose list was not stored yet, identity changes and forget. Kept apart so the
engine reads as lifecycle and reads."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shelfwise.domain import Event, Item
from shelfwise.feedback import Attributor
from shelfwise.history import ItemIndex
from shelfwise.ingest.pipeline import Ingestor
from shelfwise.profiles import ProfileBook
from shelfwise.profiles.snapshot import scrub_versions
from shelfwise.service.batches import BatchKind, BatchOutcome, parse_batch, write_batch
from shelfwise.service.context import ServiceContext
from shelfwise.service.customers import CustomerService
from shelfwise.service.impression_log import ImpressionLogger
from shelfwise.storage.base import EXPERIMENTS_CHANGE

if TYPE_CHECKING:
    from shelfwise.service.serving import ActiveModel

ITEM_CLOCK_SLACK = 5.0  # seconds: see sync()
SYNC_BATCH = 10_000  # events applied per sync: a big file ingest is caught up over several ticks
# A click naming a list no impression of which is stored yet (another worker still buffers it, up to
# its flush interval) is attributed again at the next syncs, once a second, for this long.
LIST_WAIT_SECONDS = 30.0
MAX_WAITING = 1_000  # such clicks held at most (bogus request ids must not grow memory)


@dataclass(frozen=True, slots=True)
class ForgetReport:
    customer_id: str
    user_ids: list[str]
    events_deleted: int
    accounts_deleted: int


class ServingWrites:
    if TYPE_CHECKING:  # provided by ServingEngine
        _ctx: ServiceContext
        _active: ActiveModel | None
        profiles: ProfileBook
        catalog: dict[str, Item]
        impressions: ImpressionLogger | None
        generation: int
        _change_seq: int
        _items_checked_at: float
        _item_stamps: dict[str, float]
        _waiting: deque[tuple[float, str, Event]]
        _waiting_tried_at: float

        def experiments_changed(self) -> None: ...

    def _attributor(self) -> Attributor:
        return Attributor(self._ctx.store, self._ctx.settings.feedback.attribution_window_hours)

    def _ingestor(self, unknown_lists: list[tuple[str, Event]]) -> Ingestor:
        """Writes a batch; events naming a list not stored yet are collected into ``unknown_lists``."""
        customers = CustomerService(self._ctx)
        attribute = self._attributor()

        def on_events(keyed: Sequence[tuple[str, Event]]) -> None:
            unknown_lists.extend(attribute(keyed).unknown_lists)

        return Ingestor(
            self._ctx.store, customers.pseudonymize, customers.customer_id_for, on_events=on_events
        )

    def ingest(self, kind: BatchKind, rows: Sequence[Any]) -> BatchOutcome:
        """Validate the whole batch (``BatchRejected`` names each bad row), write it in one
        transaction, then make it visible before answering (``sync``)."""
        records = parse_batch(kind, rows)
        if kind == "events" and self.impressions is not None:
            self.impressions.flush()  # a click on a list served a moment ago finds it (attribution)
        unknown_lists: list[tuple[str, Event]] = []
        outcome = write_batch(self._ingestor(unknown_lists), kind, records)
        deadline = time.monotonic() + LIST_WAIT_SECONDS  # committed: worth another try later
        self._waiting.extend((deadline, key, event) for key, event in unknown_lists)
        if outcome.stored_accounts:
            # New identity keys may link or split customers: re-resolve, and tell every server.
            CustomerService(self._ctx).refresh()
            self._ctx.store.record_change("identity")
        self.sync()
        return outcome

    def sync(self) -> None:
        """Catch up with the store: new events (by seq), identity changes and forgets (change log),
        new or edited items. Called after every write here and every ``sync_seconds`` for writes by
        other processes (other workers, ``shelfwise ingest``). Runs on the request thread only."""
        store = self._ctx.store
        self.profiles.apply(store.events_after(self.profiles.applied_seq, SYNC_BATCH))
        changes = store.changes_after(self._change_seq)
        if changes:
            self._change_seq = changes[-1].seq
            self.generation += 1  # forgets, identity, rules, experiments: lists may change
            for change in changes:
                if change.kind == "forget" and change.subject:
                    self.profiles.forget(change.subject)
            if any(change.kind == "identity" for change in changes):
                self.profiles.regroup(store)
            if any(change.kind == EXPERIMENTS_CHANGE for change in changes):
                self.experiments_changed()
        changed = []
        # Rows committed since the last look carry a stamp from at most ITEM_CLOCK_SLACK before it
        # (a writer stamps rows, then waits for the write lock). Rows already seen are skipped.
        since, self._items_checked_at = self._items_checked_at - ITEM_CLOCK_SLACK, time.time()
        for updated_at, item in store.items_updated_since(since):
            if self._item_stamps.get(item.item_id) == updated_at:
                continue
            self._item_stamps[item.item_id] = updated_at
            if self.catalog.get(item.item_id) != item:
                self.catalog[item.item_id] = item
                changed.append(item)
        if changed:
            self.generation += 1  # stock, prices, categories, titles: rules and reasons read them
        self._submit_fresh(changed)
        if self._waiting and time.monotonic() - self._waiting_tried_at >= 1.0:
            self._attribute_waiting()

    def _attribute_waiting(self) -> None:
        """Try again the clicks whose list was not stored when they came (see LIST_WAIT_SECONDS)."""
        now = self._waiting_tried_at = time.monotonic()
        alive = [entry for entry in self._waiting if entry[0] > now]
        unknown = {
            key for key, _ in self._attributor()([(key, event) for _, key, event in alive]).unknown_lists
        }
        self._waiting = deque((entry for entry in alive if entry[1] in unknown), maxlen=MAX_WAITING)

    def _submit_fresh(self, items: list[Item]) -> None:
        """Items the served model has not seen go to the new-item encoder (see fresh_items)."""
        active = self._active
        if not items or active is None or active.fresh is None:
            return
        index = active.lists.served.index
        active.fresh.submit([item for item in items if not known_item(index, item.item_id)])

    def detach(self, user_id: str) -> str:
        """Split an account out of its customer (see ``CustomerService.detach``); returns its customer."""
        customer = CustomerService(self._ctx).detach(user_id)
        self.sync()
        return customer

    def reattach(self, user_id: str) -> str:
        customer = CustomerService(self._ctx).reattach(user_id)
        self.sync()
        return customer

    def forget(self, id_or_user: str) -> ForgetReport:
        """Delete a customer's events and accounts (hashed keys included) and their live profile."""
        store = self._ctx.store
        customer = self.profiles.customer_id(id_or_user) or CustomerService(self._ctx).resolve_customer_id(
            id_or_user
        )
        profile = self.profiles.get(customer)
        users = {a.user_id for a in store.accounts_of_customer(customer)}
        users |= set(profile.user_ids if profile else ())
        account = store.get_account(id_or_user)
        if account is not None:
            users.add(account.user_id)
        ordered = sorted(users)
        if self.impressions is not None:
            self.impressions.forget([customer], ordered)  # nothing of theirs is still on its way
        with store.transaction():
            store.delete_feedback_of([customer], ordered)
            events = store.delete_events_of(ordered)
            accounts = store.delete_accounts(ordered)
            store.record_change("forget", customer)  # every server process drops the profile
        scrub_versions(self._ctx.models, [customer])  # nor do the versions' profile snapshots keep it
        self.sync()
        return ForgetReport(customer, ordered, events, accounts)


def known_item(index: ItemIndex, item_id: str) -> bool:
    """The model version was trained with this item (it can score it)."""
    position = index.get(item_id)
    return position is not None and bool(index.known[position])
