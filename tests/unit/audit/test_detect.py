"""The suspicious-activity detectors on tiny event sets whose right answer is known."""

from __future__ import annotations

from shelfwise.audit import AccountKeys, AuditSettings, detect
from shelfwise.domain import Event

DAY = 86_400.0
HOUR = 3600.0
T0 = 1_700_000_000.0


def _buy(user: str, item: str, at: float, store_id: str | None = None) -> Event:
    return Event(user, "purchase", at, item_id=item, store_id=store_id)


def _steady_shop(days: int = 200) -> list[Event]:
    """Fifty regulars buying 'soap' about once a week each over ``days`` days (no burst)."""
    return [_buy(f"reg-{n}", "soap", T0 + (n * 4 + d * 7) * DAY) for n in range(50) for d in range(days // 7)]


def _serum_burst(buys_each: int) -> list[Event]:
    """12 new accounts buying 'serum' within 12 hours, ``buys_each`` times each, in a steady shop."""
    events = _steady_shop()
    events += [
        _buy(f"new-{n}", "serum", T0 + 150 * DAY + n * HOUR + r * 60)
        for n in range(12)
        for r in range(buys_each)
    ]
    events += [_buy(f"old-{n}", "serum", T0 + n * 15 * DAY) for n in range(10)]  # its usual rate
    return sorted(events, key=lambda e: e.timestamp)


def test_a_burst_of_new_accounts_on_one_item_is_flagged_with_its_facts() -> None:
    result = detect(_serum_burst(buys_each=3), [], AuditSettings())
    assert result.flagged == {f"new-{n}" for n in range(12)}
    reason = result.reasons["new-0"][0]
    assert "one of 12 new accounts that bought serum within 48 h" in reason
    assert "12 of them bought it more than once" in reason


def test_a_launch_rush_of_new_customers_buying_once_is_not_a_burst() -> None:
    # The same rush, each buying once and then diverse other things: a hit product, not brushing.
    events = _serum_burst(buys_each=1)
    events += [_buy(f"new-{n}", f"other-{n}", T0 + 151 * DAY) for n in range(12)]
    assert detect(events, [], AuditSettings()).flagged == set()


def test_a_burst_with_alike_baskets_or_of_silent_accounts_is_flagged() -> None:
    alike = _serum_burst(buys_each=1)
    alike += [_buy(f"new-{n}", item, T0 + 151 * DAY) for n in range(12) for item in ("lipstick", "mascara")]
    reason = detect(alike, [], AuditSettings()).reasons["new-3"][0]
    assert "their other purchases overlap 100% on average" in reason
    # A shop where every other buyer browses first; the rush's accounts never did.
    silent = _serum_burst(buys_each=1)
    silent += [
        Event(e.user_id, "view", e.timestamp - 60, item_id=e.item_id)
        for e in silent
        if e.user_id[:3] != "new"
    ]
    silent.sort(key=lambda e: e.timestamp)
    reason = detect(silent, [], AuditSettings()).reasons["new-3"][0]
    assert "12 of them never browsed, where most buyers do" in reason


def test_a_popular_item_bought_steadily_by_new_customers_is_not_a_burst() -> None:
    # 300 new customers over 300 days, one a day: 2 per window, at the item's own rate.
    events = [_buy(f"c-{n}", "soap", T0 + n * DAY) for n in range(300)]
    assert detect(events, [], AuditSettings()).flagged == set()


def test_below_the_account_threshold_nothing_is_flagged() -> None:
    events = [_buy(f"new-{n}", "serum", T0 + n * HOUR) for n in range(7)]  # 7 < 8
    assert detect(events, [], AuditSettings()).flagged == set()


def test_a_device_ring_buying_the_same_item_within_days_is_flagged_but_a_household_is_not() -> None:
    ring = [AccountKeys(f"r-{n}", ("device_id:abc",)) for n in range(5)]
    family = [AccountKeys(f"f-{n}", ("device_id:tablet",)) for n in range(4)]
    events = [_buy(f"r-{n}", "mascara", T0 + 100 * DAY + n * HOUR) for n in range(5)]
    # The family bought the same shampoo too, but months apart: a habit, not an order run.
    events += [_buy(f"f-{n}", "shampoo", T0 + n * 40 * DAY) for n in range(4)]
    settings = AuditSettings(burst_min_accounts=50)  # isolate the ring signal
    result = detect(sorted(events, key=lambda e: e.timestamp), ring + family, settings)
    assert result.flagged == {f"r-{n}" for n in range(5)}
    assert result.reasons["r-0"] == [
        "shares one device_id with 4 other accounts; 5 of them bought mascara within 48 h"
    ]


def test_bot_view_rates_and_impossible_store_hops_are_flagged() -> None:
    events = [Event("bot", "view", T0 + n * 0.5, item_id=f"i{n}") for n in range(40)]
    events += [Event("human", "view", T0 + n * 10.0, item_id=f"i{n}") for n in range(40)]
    events += [_buy("hopper", "a", T0, store_id="paris"), _buy("hopper", "b", T0 + 120, store_id="lyon")]
    events += [_buy("walker", "a", T0, store_id="paris"), _buy("walker", "b", T0 + 3 * HOUR, store_id="lyon")]
    result = detect(sorted(events, key=lambda e: e.timestamp), [], AuditSettings())
    assert result.flagged == {"bot", "hopper"}
    assert result.reasons["bot"] == ["40 views within one minute"]
    assert result.reasons["hopper"] == ["purchases in stores paris and lyon 2 min apart"]


def test_trusted_accounts_are_never_flagged_and_events_are_counted() -> None:
    events = [Event("bot", "view", T0 + n * 0.5, item_id="x") for n in range(40)]
    assert detect(events, [], AuditSettings(), trusted={"bot"}).flagged == set()
    result = detect(events, [], AuditSettings())
    assert result.flagged_events == 40


def test_without_two_weeks_of_history_no_burst_is_called() -> None:
    # A fresh shop: forty first customers bought socks within a minute; there is no usual rate yet.
    events = [_buy(f"c-{n}", "socks", T0 + n) for n in range(40)]
    assert detect(events, [], AuditSettings()).flagged == set()
    assert len(detect(events, [], AuditSettings(burst_min_history_days=0)).flagged) == 0  # still < 2 windows


def test_a_big_basket_is_one_checkout_not_a_bot() -> None:
    """Twelve items bought at one second (one order, or a day's orders exported with one date) are
    one checkout; twelve checkouts in twelve seconds are not a person."""
    basket = [Event("shopper", "purchase", 5_000.0, item_id=f"i{n}") for n in range(12)]
    rapid = [Event("script", "purchase", 5_000.0 + n, item_id=f"i{n}") for n in range(12)]
    result = detect(basket + rapid, [], AuditSettings())
    assert "shopper" not in result.reasons
    assert result.reasons["script"] == ["12 checkouts within one minute"]
