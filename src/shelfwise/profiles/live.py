"""Live customer profiles: what the request path knows about each customer, updated per event.

A profile holds a customer's accounts, their most recent engagement events (across every account
and channel, chronological), everything they bought (less what they returned), the items they said
no to (``disliked``: a dismiss, a return, a 1–2 star rating, until a later purchase, cart or good
rating says otherwise) and how many events each channel saw. The
server loads all profiles once at start-up and then applies every accepted event, forget and
identity change to them, so the next request sees it without touching the store. The CLI builds
the same profiles for just the customers it is asked about (``ProfileBook.load(store, ids)``):
one code path, no skew between what a one-off command and the server recommend.

Profiles are immutable values; the book swaps a customer's whole profile under a lock, so a
reader (the event loop answering a request) always sees either the old or the new profile.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Protocol

from shelfwise.domain import RATING_TYPES, Event, customer_id_for, is_engagement, is_negative
from shelfwise.history import (
    CustomerHistory,
    ItemIndex,
    build_histories,
    members_by_customer,
    resolve_customer,
)
from shelfwise.storage.base import Store, StoredEvent

DEFAULT_MAX_ITEMS = 200
_EMPTY: Mapping[str, int] = MappingProxyType({})
_NO_VERDICTS: Mapping[str, tuple[float, bool]] = MappingProxyType({})


def _verdict(event: Event) -> bool | None:
    """True: the event says no to its item; False: it says yes (a purchase, a cart, a rating of
    3 stars or more); None: it settles nothing (a view of a dismissed item does not lift it)."""
    if is_negative(event):
        return True
    if event.type in ("purchase", "add_to_cart") or (event.type in RATING_TYPES and event.value is not None):
        return False
    return None


@dataclass(frozen=True, slots=True)
class CustomerProfile:
    customer_id: str
    user_ids: tuple[str, ...]
    recent: tuple[Event, ...] = ()  # engagement events, chronological, the newest ``max_items``
    purchased: frozenset[str] = frozenset()  # every item ever bought (not capped: exclusion needs all)
    channels: Mapping[str, int] = field(default_factory=lambda: _EMPTY)  # events per channel, all types
    events: int = 0
    last_event_at: float | None = None
    # Item -> (time, True if negative) of the customer's newest explicit verdict on it.
    verdicts: Mapping[str, tuple[float, bool]] = field(default_factory=lambda: _NO_VERDICTS)
    # Items whose newest verdict is negative: the request pipeline keeps them out of every list.
    disliked: frozenset[str] = frozenset()

    def history(self, index: ItemIndex) -> CustomerHistory | None:
        """The model's view of this customer, built by the same function that builds training data."""
        customer_of = dict.fromkeys(self.user_ids, self.customer_id)
        history = build_histories(self.recent, index, customer_of).get(self.customer_id)
        bought = {i for i in (index.get(item) for item in self.purchased) if i is not None}
        if history is None:
            return CustomerHistory(self.customer_id, [], bought, []) if bought else None
        history.purchased = bought
        return history


def _sort_key(event: Event) -> float:
    return event.timestamp


def _with_events(
    profile: CustomerProfile, events: Sequence[Event], user_ids: Iterable[str], max_items: int
) -> CustomerProfile:
    """A new profile with ``events`` added in time order (ties after what is there, like the store)."""
    recent = list(profile.recent)
    purchased = set(profile.purchased)
    channels = dict(profile.channels)
    verdicts = dict(profile.verdicts)
    last = profile.last_event_at
    for event in events:
        channel = event.channel or "unknown"
        channels[channel] = channels.get(channel, 0) + 1
        last = event.timestamp if last is None else max(last, event.timestamp)
        if event.item_id is None:
            continue
        _record_verdict(verdicts, event)
        if event.type == "return":
            purchased.discard(event.item_id)
        if not is_engagement(event):
            continue
        if event.type == "purchase":
            purchased.add(event.item_id)
        bisect.insort_right(recent, event, key=_sort_key)
    known = list(profile.user_ids)
    known += [u for u in dict.fromkeys(user_ids) if u not in profile.user_ids]
    return replace(
        profile,
        user_ids=tuple(known),
        recent=tuple(recent[-max_items:]),
        purchased=frozenset(purchased),
        channels=MappingProxyType(channels),
        verdicts=MappingProxyType(verdicts),
        disliked=frozenset(item for item, (_, negative) in verdicts.items() if negative),
        events=profile.events + len(events),
        last_event_at=last,
    )


def _record_verdict(verdicts: dict[str, tuple[float, bool]], event: Event) -> None:
    """Keep the newest verdict per item (events may arrive out of time order).

    Approvals are kept only for items that already have a verdict: most customers never say no,
    and their profiles (held for every customer by the server) stay as small as before."""
    negative = _verdict(event)
    if negative is None or event.item_id is None:
        return
    known = verdicts.get(event.item_id)
    if known is None and not negative:
        return
    if known is None or event.timestamp >= known[0]:
        verdicts[event.item_id] = (event.timestamp, negative)


class PackedProfile(Protocol):
    """A profile kept encoded until first read (``shelfwise.profiles.snapshot``)."""

    @property
    def user_ids(self) -> tuple[str, ...]: ...

    def unpack(self, customer_id: str) -> CustomerProfile: ...


class ProfileBook:
    """Every live profile, addressable by customer id or by any of the customer's user ids."""

    def __init__(self, max_items: int = DEFAULT_MAX_ITEMS) -> None:
        self.max_items = max_items
        self._profiles: dict[str, CustomerProfile] = {}
        # Profiles from a snapshot not read yet: decoded (and moved to _profiles) on first use.
        self._packed: dict[str, PackedProfile] = {}
        self.events_read = 0  # stored events a full load read (the snapshot's guard)
        self.from_snapshot = False  # resumed from a snapshot (True) or read from every event
        self.tail_events = 0  # when resumed: the events newer than the snapshot
        self._customer_of: dict[str, str] = {}
        self._lock = threading.Lock()
        # Every stored event with a seq up to this one is in the profiles; newer ones are applied
        # by ``apply`` (in seq order), so a rebuild and the event feed never count an event twice.
        self.applied_seq = 0

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(
        cls, store: Store, ids: Iterable[str] | None = None, max_items: int = DEFAULT_MAX_ITEMS
    ) -> ProfileBook:
        """All customers (``ids`` None, the server) or only those named by ``ids`` (the CLI)."""
        book = cls(max_items)
        if ids is None:
            book._rebuild(store, members_by_customer(store), all_events=True)
        else:
            book._rebuild(store, _members_of(store, ids))
        return book

    @classmethod
    def resumed(
        cls,
        store: Store,
        max_items: int,
        packed: Mapping[str, PackedProfile],
        members: Mapping[str, Sequence[str]],
        rebuild: Mapping[str, Sequence[str]],
        applied_seq: int,
    ) -> ProfileBook:
        """A book of ``packed`` profiles (still current) plus ``rebuild`` customers read from the
        store, every event up to ``applied_seq`` in them (see ``shelfwise.profiles.snapshot``)."""
        book = cls(max_items)
        book._packed = dict(packed)
        book.from_snapshot = True
        book._customer_of = {user: customer for customer, users in members.items() for user in users}
        book.applied_seq = applied_seq
        book._rebuild(store, rebuild, upto=applied_seq)
        return book

    def _rebuild(
        self,
        store: Store,
        members: Mapping[str, Sequence[str]],
        all_events: bool = False,
        upto: int | None = None,
    ) -> None:
        """(Re)build the profiles of ``members`` (customer id → user ids) from the stored events
        (only those with a seq up to ``upto`` when given: newer ones come through ``apply``)."""
        customer_of = {user: customer for customer, users in members.items() for user in users}
        users = list(customer_of)
        grouped: dict[str, list[Event]] = {customer: [] for customer in members}
        newest, read = self.applied_seq, 0
        if users or all_events:
            source = store.iter_events() if all_events else _chunked_events(store, users)
            for stored in source:
                if upto is not None and stored.seq > upto:
                    continue  # not applied yet: the event feed brings it
                newest = max(newest, stored.seq)
                read += 1
                customer = customer_of.get(stored.event.user_id)
                if customer is not None:
                    grouped[customer].append(stored.event)
        built = {
            customer: _with_events(
                CustomerProfile(customer, tuple(members[customer])), events, (), self.max_items
            )
            for customer, events in grouped.items()
        }
        with self._lock:
            self._profiles.update(built)
            for customer in built:
                self._packed.pop(customer, None)  # rebuilt: a packed copy is older
            self._customer_of.update(customer_of)
            if all_events:
                self.applied_seq, self.events_read = newest, read

    # ------------------------------------------------------------------ reading
    def customer_id(self, id_or_user: str) -> str | None:
        """The customer of a user id, or the id itself when it names a customer; None if unknown."""
        customer = self._customer_of.get(id_or_user)
        if customer is not None:
            return customer
        known = id_or_user in self._profiles or id_or_user in self._packed
        return id_or_user if known else None

    def get(self, id_or_user: str) -> CustomerProfile | None:
        customer = self.customer_id(id_or_user)
        if customer is None:
            return None
        profile = self._profiles.get(customer)
        if profile is None and customer in self._packed:
            with self._lock:
                profile = self._unpacked(customer)
        return profile

    def _unpacked(self, customer: str) -> CustomerProfile | None:
        """The customer's profile, decoded now if it is still packed (hold the lock)."""
        packed = self._packed.pop(customer, None)
        if packed is not None:
            self._profiles[customer] = packed.unpack(customer)
        return self._profiles.get(customer)

    def __len__(self) -> int:
        return len(self._profiles) + len(self._packed)

    def customers(self) -> list[CustomerProfile]:
        with self._lock:
            for customer in list(self._packed):
                self._unpacked(customer)
            return list(self._profiles.values())

    # ------------------------------------------------------------------ updating
    def apply(self, stored: Sequence[StoredEvent]) -> set[str]:
        """Add newly stored events (in seq order; already applied ones are skipped); returns the
        customers whose profile changed."""
        by_customer: dict[str, list[Event]] = {}
        users_of: dict[str, list[str]] = {}
        with self._lock:
            for item in stored:
                if item.seq <= self.applied_seq:
                    continue
                self.applied_seq = item.seq
                event = item.event
                # A user first seen in an event is its own customer, exactly as ingest names it.
                customer = self._customer_of.get(event.user_id) or customer_id_for(event.user_id)
                by_customer.setdefault(customer, []).append(event)
                users_of.setdefault(customer, []).append(event.user_id)
            for customer, batch in by_customer.items():
                profile = self._unpacked(customer) or CustomerProfile(customer, ())
                self._profiles[customer] = _with_events(profile, batch, users_of[customer], self.max_items)
                for user in users_of[customer]:
                    self._customer_of.setdefault(user, customer)
        return set(by_customer)

    def forget(self, customer_id: str) -> None:
        with self._lock:
            profile = self._profiles.pop(customer_id, None) or self._packed.pop(customer_id, None)
            for user in profile.user_ids if profile else ():
                self._customer_of.pop(user, None)

    def regroup(self, store: Store) -> set[str]:
        """After an identity change: rebuild every customer whose set of accounts changed."""
        members = members_by_customer(store)
        changed = {
            customer
            for customer, users in members.items()
            if (old := self._profiles.get(customer) or self._packed.get(customer)) is None
            or set(old.user_ids) != set(users)
        }
        vanished = {c for c in [*self._profiles, *self._packed] if c not in members}
        with self._lock:
            for customer in vanished:
                profile = self._profiles.pop(customer, None) or self._packed.pop(customer)
                for user in profile.user_ids:
                    if self._customer_of.get(user) == customer:
                        del self._customer_of[user]
        if changed:
            self._rebuild(store, {c: members[c] for c in changed}, upto=self.applied_seq)
        return changed | vanished


def _members_of(store: Store, ids: Iterable[str]) -> dict[str, list[str]]:
    members: dict[str, list[str]] = {}
    for requested in ids:
        customer = resolve_customer(store, requested)
        if customer is not None:
            members.setdefault(customer.customer_id, list(customer.user_ids))
    return members


def _chunked_events(store: Store, users: Sequence[str]) -> Iterable[StoredEvent]:
    """Stored events of ``users`` in (timestamp, seq) order; chunks stay under SQLite's parameter limit."""
    if len(users) <= 900:
        yield from store.iter_events(user_ids=users)
        return
    merged = []
    for start in range(0, len(users), 900):
        merged.extend(store.iter_events(user_ids=users[start : start + 900]))
    merged.sort(key=lambda stored: (stored.event.timestamp, stored.seq))
    yield from merged
