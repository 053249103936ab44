"""Use case: query suggestions (``shelfwise suggest PREFIX``, ``GET /v1/suggest``).

The index (``search.suggest``) is built once from the store (catalog and event log) and then kept
current: at most every ``FOLLOW_SECONDS`` a call reads the events appended and the items stamped
since the last look (two indexed reads) and adds just those. No training is involved.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from shelfwise.domain import Event, Item, is_engagement
from shelfwise.history import customer_of_users
from shelfwise.search.behaviour import GRADE, query_key
from shelfwise.search.suggest import SuggestIndex, Suggestion
from shelfwise.service.context import ServiceContext

FOLLOW_SECONDS = 1.0
_SUCCESS_WEIGHT = {0: 0.0, 1: 1.0, 2: 1.0, 3: 2.0}  # best grade after a search → its weight


class SuggestService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx
        self._index: SuggestIndex | None = None
        self._lock = threading.RLock()
        self._seq = 0
        self._items_at = 0.0
        self._followed_at = 0.0
        self._leaf: dict[str, str] = {}
        self._best_grade: dict[tuple[str, str], int] = {}
        self._user_seen: set[tuple[str, str]] = set()
        self._members: dict[str, list[str]] | None = None
        self._customer_of: dict[str, str] = {}

    # ----------------------------------------------------------------- state
    def index(self) -> SuggestIndex:
        with self._lock:
            if self._index is None:
                self._index = self._build()
            elif time.monotonic() - self._followed_at >= FOLLOW_SECONDS:
                self._follow(self._index)
            return self._index

    def _build(self) -> SuggestIndex:
        store = self._ctx.store
        index = SuggestIndex()
        stamped = store.items_updated_since(0.0)
        self._items_at = max((at for at, _ in stamped), default=0.0)
        items = [item for _, item in stamped]
        for item in items:
            self._leaf[item.item_id] = item.category[-1].strip() if item.category else ""
        index.add_items((item.title, item.brand, item.category) for item in items)
        last = 0
        for stored in store.iter_events():
            self._add_event(index, stored.event)
            last = max(last, stored.seq)
        index.merge()
        self._seq = last
        self._followed_at = time.monotonic()
        return index

    def _follow(self, index: SuggestIndex) -> None:
        """Add the events and items written since the last look (by any process)."""
        store = self._ctx.store
        self._followed_at = time.monotonic()
        # Strictly newer than the newest stamp seen: a whole batch shares one stamp and must not be
        # re-read every second. (A write racing this read with an older stamp waits for a rebuild.)
        for at, item in store.items_updated_since(self._items_at + 1e-6):
            self._items_at = max(self._items_at, at)
            self._add_items(index, [item])
        while batch := store.events_after(self._seq):
            for stored in batch:
                self._add_event(index, stored.event)
            self._seq = batch[-1].seq
            self._members = None

    def _add_items(self, index: SuggestIndex, items: Iterable[Item]) -> None:
        for item in items:
            if item.item_id in self._leaf:
                continue  # phrases of a changed item's old title stay: they were true when typed
            self._leaf[item.item_id] = item.category[-1].strip() if item.category else ""
            index.add_item(item.title, item.brand, item.category)

    def _add_event(self, index: SuggestIndex, event: Event) -> None:
        leaf = self._leaf.get(event.item_id or "", "")
        if is_engagement(event) and leaf:
            index.add_user_category(event.user_id, leaf)
        key = query_key(event.query or "")
        if not key:
            return
        if (event.user_id, key) not in self._user_seen:
            self._user_seen.add((event.user_id, key))
            index.add_user_query(event.user_id, key)
        grade = GRADE.get(event.type, 0)
        if grade == 0:
            return
        search = (event.session_id or event.user_id, key)
        before = self._best_grade.get(search, 0)
        if grade > before:
            self._best_grade[search] = grade
            weight = _SUCCESS_WEIGHT[grade] - _SUCCESS_WEIGHT[before]
            index.add_query(key, weight, [leaf] if leaf else [])

    def _accounts(self, user_id: str) -> list[str]:
        """Every account of the customer ``user_id`` names (itself when unknown)."""
        if self._members is None:
            members: dict[str, list[str]] = {}
            for user, customer in customer_of_users(self._ctx.store).items():
                members.setdefault(customer, []).append(user)
            self._members = members
            self._customer_of = {u: c for c, users in members.items() for u in users}
        customer = self._customer_of.get(user_id, user_id)
        return self._members.get(customer, [user_id])

    # ----------------------------------------------------------------- use case
    def suggest(self, prefix: str, k: int = 5, user_id: str | None = None) -> list[Suggestion]:
        index = self.index()
        with self._lock:
            users = self._accounts(user_id) if user_id else []
            return index.complete(prefix, k, users)
