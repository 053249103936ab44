"""The audit's pass over columns (``gather_columns``) gathers exactly what the pass over ``Event``
objects gathers, on every backend, and flags the same accounts for the same reasons."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shelfwise.audit import AccountKeys, AuditSettings, detect
from shelfwise.audit.columns import gather_columns
from shelfwise.audit.detect import AuditResult, _gather, judge
from shelfwise.audit.run import audit_store
from shelfwise.domain import Event
from shelfwise.storage import open_store
from shelfwise.storage.base import Store
from shelfwise.testing.mixed_events import mixed_store

DAY = 86_400.0
HOUR = 3600.0
T0 = 1_700_000_000.0


def _buy(user: str, item: str, at: float, store_id: str | None = None) -> Event:
    return Event(user, "purchase", at, item_id=item, store_id=store_id)


def _suspicious_shop() -> list[Event]:
    """Every signal at once: a brushed burst, a device ring, a view bot, a store hop, a checkout
    script, beside regulars who browse and buy (and a search without an item)."""
    events = [_buy(f"reg-{n}", "soap", T0 + (n * 4 + d * 7) * DAY) for n in range(20) for d in range(28)]
    events += [Event(f"reg-{n}", "view", T0 + n * DAY - 60, item_id="soap", channel="web") for n in range(20)]
    events += [
        _buy(f"new-{n}", "serum", T0 + 150 * DAY + n * HOUR + r * 60) for n in range(12) for r in range(3)
    ]
    events += [_buy(f"old-{n}", "serum", T0 + n * 15 * DAY) for n in range(10)]
    events += [_buy(f"r-{n}", "mascara", T0 + 100 * DAY + n * HOUR) for n in range(5)]
    events += [Event("bot", "view", T0 + 5 * DAY + n * 0.5, item_id=f"i{n}") for n in range(40)]
    events += [Event("bot", "click", T0 + 5 * DAY + 30.0, item_id="i1")]
    events += [_buy("hopper", "a", T0 + DAY, store_id="paris"), _buy("hopper", "b", T0 + DAY + 120, "lyon")]
    events += [Event("script", "purchase", T0 + 9 * DAY + n, item_id=f"i{n}") for n in range(12)]
    events += [Event("reg-1", "search", T0 + 3 * DAY, query="serum")]
    return events


RING = [AccountKeys(f"r-{n}", ("device_id:abc",)) for n in range(5)]


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = open_store(store_url)
    opened.append_events([(f"k{n}", event) for n, event in enumerate(_suspicious_shop())])
    yield opened  # type: ignore[misc]
    opened.close()


def test_gathered_from_columns_equals_gathered_from_events(store: Store) -> None:
    by_events, by_columns = AuditResult(), AuditResult()
    seen = _gather((s.event for s in store.iter_events()), by_events)
    from_columns = gather_columns(store.event_columns(), by_columns)
    assert by_columns.events_of == by_events.events_of
    assert list(by_columns.events_of) == list(by_events.events_of)  # same order
    for name, value in vars(seen).items():
        assert vars(from_columns)[name] == value, name
        if isinstance(value, dict):
            assert list(vars(from_columns)[name]) == list(value), name  # same order
    assert from_columns.views["bot"][:2] == [T0 + 5 * DAY, T0 + 5 * DAY + 0.5]
    assert from_columns.store_buys["hopper"] == [(T0 + DAY, "paris"), (T0 + DAY + 120, "lyon")]


@pytest.mark.parametrize("seed", [0, 1])
def test_gathered_alike_from_a_mixed_shop(store_url: str, seed: int) -> None:
    opened = open_store(store_url)
    try:
        mixed_store(opened, n=900, seed=seed)
        by_events, by_columns = AuditResult(), AuditResult()
        seen = _gather((s.event for s in opened.iter_events()), by_events)
        from_columns = gather_columns(opened.event_columns(), by_columns)
        assert list(by_columns.events_of.items()) == list(by_events.events_of.items())
        for name, value in vars(seen).items():
            got = vars(from_columns)[name]
            assert (list(got.items()) if isinstance(got, dict) else got) == (
                list(value.items()) if isinstance(value, dict) else value
            ), name
        nested = [(user, list(items.items())) for user, items in from_columns.purchased.items()]
        assert nested == [(user, list(items.items())) for user, items in seen.purchased.items()]
    finally:
        opened.close()


def test_the_same_accounts_are_flagged_for_the_same_reasons(store: Store) -> None:
    settings = AuditSettings()
    expected = detect((s.event for s in store.iter_events()), RING, settings)
    result = AuditResult()
    got = judge(gather_columns(store.event_columns(), result), RING, settings, frozenset(), result)
    assert got.reasons == expected.reasons
    assert {"bot", "hopper", "script", "new-0", "r-0"} <= got.flagged
    assert not any(user.startswith(("reg-", "old-")) for user in got.flagged)
    assert got.reasons["hopper"] == ["purchases in stores paris and lyon 2 min apart"]
    # The stored verdicts of a whole audit, from columns and from iter_events.
    columns_report = audit_store(store, settings, store.event_columns())
    assert audit_store(store, settings).flags == columns_report.flags
    assert columns_report.customers == audit_store(store, settings).customers


def test_an_empty_store_gathers_nothing(store_url: str) -> None:
    opened = open_store(store_url)
    try:
        result = AuditResult()
        seen = gather_columns(opened.event_columns(), result)
        assert result.events_of == {} and seen.history == 0.0 and not seen.purchases
    finally:
        opened.close()
