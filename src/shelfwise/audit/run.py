"""The filter over a store: detect, store the flags for review, and hand training a view of the
store without the flagged accounts' events (events themselves are never deleted)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from shelfwise.audit.columns import gather_columns
from shelfwise.audit.detect import AccountKeys, AuditResult, detect, judge
from shelfwise.domain import is_negative
from shelfwise.settings.audit import AuditSettings
from shelfwise.storage.audit import AuditFlag
from shelfwise.storage.base import Store, StoredEvent
from shelfwise.storage.columns import EventColumns


@dataclass(frozen=True)
class AuditReport:
    flags: list[AuditFlag]
    customers: int  # customers whose events were audited

    @property
    def flagged(self) -> set[str]:
        return {flag.user_id for flag in self.flags}

    @property
    def flagged_events(self) -> int:
        return sum(flag.events for flag in self.flags)

    def as_json(self) -> dict[str, Any]:
        return {
            "flagged": [{"user_id": f.user_id, "reasons": list(f.reasons)} for f in self.flags],
            "flagged_events": self.flagged_events,
            "customers": self.customers,
        }


def _account_keys(store: Store) -> Iterator[AccountKeys]:
    for account in store.iter_accounts():
        yield AccountKeys(account.user_id, tuple(f"{k.kind}:{k.key_hash}" for k in account.keys))


def audit_store(store: Any, settings: AuditSettings, columns: EventColumns | None = None) -> AuditReport:
    """Run the detectors over every event and account of ``store`` and replace its stored flags;
    ``columns``: the store's events already read (``event_columns``), instead of reading them again."""
    accounts = list(_account_keys(store))
    if columns is None:
        result: AuditResult = detect(
            (stored.event for stored in store.iter_events()), accounts, settings, store.trusted_users()
        )
    else:
        result = AuditResult()
        result = judge(gather_columns(columns, result), accounts, settings, store.trusted_users(), result)
    flags = [
        AuditFlag(user, tuple(reasons), result.events_of.get(user, 0))
        for user, reasons in sorted(result.reasons.items())
    ]
    store.replace_audit_flags(flags)
    customer_of = {a.user_id: a.customer_id or a.user_id for a in store.iter_accounts()}
    customers = {customer_of.get(user, user) for user in result.events_of}
    return AuditReport(flags, len(customers))


class WithoutFlagged:
    """A read view of a store whose event iterator skips the given accounts: what training sees.

    Only the event reads differ; everything else is the store's own."""

    def __init__(self, store: Any, excluded: Iterable[str]) -> None:
        self._store = store
        self.excluded = frozenset(excluded)

    def iter_events(
        self, types: Iterable[str] | None = None, user_ids: Iterable[str] | None = None, with_query: bool = False
    ) -> Iterator[StoredEvent]:
        for stored in self._store.iter_events(types=types, user_ids=user_ids, with_query=with_query):
            if stored.event.user_id not in self.excluded:
                yield stored

    def event_columns(self) -> EventColumns:
        return self._store.event_columns().without_users(self.excluded)

    def event_counts_by_item(self, types: Iterable[str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for stored in self.iter_events(types=types):
            if stored.event.item_id is not None and not is_negative(stored.event):
                counts[stored.event.item_id] = counts.get(stored.event.item_id, 0) + 1
        return counts

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def training_view(
    store: Any, settings: AuditSettings, columns: EventColumns | None = None
) -> tuple[Any, AuditReport | None]:
    """The store training should read: flagged accounts left out (the filter runs first);
    ``columns``: every event of ``store``, already read."""
    if not settings.enabled:
        return store, None
    report = audit_store(store, settings, columns)
    return (WithoutFlagged(store, report.flagged) if report.flags else store), report
