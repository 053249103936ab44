"""Suspicious activity: pure functions over events and accounts that name accounts to keep out of
training, each with the facts that flagged it.

Four signals, each cheap and explainable to a merchant who reviews the list:
- **bursts**: many new accounts buying one item within a short window, far above that item's own rate
  (brushing: a seller buys their way into "customers also bought" and trending);
- **rings**: accounts sharing a device (or another identity key) that bought the same item;
- **bots**: view or click rates no person reaches;
- **impossible sequences**: purchases in two physical stores minutes apart, or purchases faster than
  anyone pays.

Nothing here reads or writes a store; ``shelfwise.audit.run`` feeds it and stores the flags.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise

from shelfwise.domain import Event
from shelfwise.settings.audit import AuditSettings

HOUR = 3600.0
DAY = 86_400.0
VIEW_TYPES = frozenset({"view", "click"})


@dataclass(frozen=True, slots=True)
class AccountKeys:
    """An account and the pseudonymized identity keys it holds (``kind:hash``)."""

    user_id: str
    keys: tuple[str, ...] = ()


@dataclass
class AuditResult:
    reasons: dict[str, list[str]] = field(default_factory=dict)  # user id → why it was flagged
    events_of: dict[str, int] = field(default_factory=dict)  # user id → events it holds

    def flag(self, user_id: str, reason: str) -> None:
        found = self.reasons.setdefault(user_id, [])
        if reason not in found:
            found.append(reason)

    @property
    def flagged(self) -> set[str]:
        return set(self.reasons)

    @property
    def flagged_events(self) -> int:
        return sum(self.events_of.get(user, 0) for user in self.reasons)


def _window_counts(times: list[float], width: float) -> tuple[int, int]:
    """The densest window of ``width`` over sorted ``times``: (start index, count)."""
    best_start, best = 0, 0
    for start, at in enumerate(times):
        count = bisect_right(times, at + width) - start
        if count > best:
            best_start, best = start, count
    return best_start, best


@dataclass(frozen=True, slots=True)
class Activity:
    """What the burst check needs to know about accounts beyond one item's purchases."""

    purchased: Mapping[str, Mapping[str, float]]  # user → item → first purchase time
    buys_of: Mapping[tuple[str, str], int]  # (user, item) → purchases
    browsers: frozenset[str] | set[str]  # users with any non-purchase event (view, click, cart, search)


def _mean_overlap(users: list[str], item: str, purchased: Mapping[str, Mapping[str, float]]) -> float:
    """Mean pairwise Jaccard of the accounts' other purchases (brushers' scripts buy alike baskets)."""
    baskets = [frozenset(purchased.get(user, {})) - {item} for user in users[:200]]
    pairs = [(a, b) for n, a in enumerate(baskets) for b in baskets[n + 1 :] if a or b]
    if not pairs:
        return 0.0
    return sum(len(a & b) / len(a | b) for a, b in pairs) / len(pairs)


def _fake_sign(users: list[str], item: str, activity: Activity, settings: AuditSettings) -> str | None:
    """The second fact that tells a brushed burst from a launch's real rush of new customers, or None.

    A hit product can draw many new customers within two days; what real customers rarely do is buy
    the same item again and again, buy near-identical baskets, or buy without ever browsing in a shop
    where most buyers browse."""
    repeaters = sum(activity.buys_of.get((user, item), 0) >= 2 for user in users)
    if repeaters >= settings.burst_repeat_share * len(users):
        return f"{repeaters} of them bought it more than once"
    overlap = _mean_overlap(users, item, activity.purchased)
    if overlap >= settings.burst_alike_baskets:
        return f"their other purchases overlap {overlap:.0%} on average"
    buyers = set(activity.purchased)
    if buyers and len(buyers & activity.browsers) >= settings.burst_silent_share * len(buyers):
        silent = sum(user not in activity.browsers for user in users)
        if silent >= settings.burst_repeat_share * len(users):
            return f"{silent} of them never browsed, where most buyers do"
    return None


def find_bursts(
    purchases: Mapping[str, list[tuple[float, str]]],
    first_seen: Mapping[str, float],
    history: float,
    activity: Activity,
    settings: AuditSettings,
    result: AuditResult,
) -> None:
    """``purchases``: item → sorted (time, user); ``history``: seconds between the first and last
    event of the shop. Flags the new accounts of each item's burst when a second fact backs it."""
    width = settings.burst_window_hours * HOUR
    newness = settings.new_account_days * DAY
    if history < max(settings.burst_min_history_days * DAY, 2 * width):
        return
    span = history - width  # the time outside one window, over which an item's usual rate is counted
    for item, bought in purchases.items():
        fresh = [(at, user) for at, user in bought if at - first_seen.get(user, at) <= newness]
        if len(fresh) < settings.burst_min_accounts:
            continue
        times = [at for at, _ in fresh]
        start, _ = _window_counts(times, width)
        window = fresh[start : bisect_right(times, times[start] + width)]
        users = sorted({user for _, user in window})
        if len(users) < settings.burst_min_accounts:
            continue
        # The item's own rate outside the window predicts what a window should hold.
        all_times = [at for at, _ in bought]
        inside = bisect_right(all_times, times[start] + width) - bisect_left(all_times, times[start])
        expected = max((len(all_times) - inside) * width / span, 1.0)
        if len(users) < settings.burst_ratio * expected:
            continue
        sign = _fake_sign(users, item, activity, settings)
        if sign is None:
            continue
        hours = settings.burst_window_hours
        reason = (
            f"one of {len(users)} new accounts that bought {item} within {hours:g} h "
            f"(its usual rate predicts {expected:.1f}); {sign}"
        )
        for user in users:
            result.flag(user, reason)


def find_rings(
    accounts: Iterable[AccountKeys],
    purchased: Mapping[str, Mapping[str, float]],
    settings: AuditSettings,
    result: AuditResult,
) -> None:
    """Accounts sharing a key, many of which bought the same item within one burst window
    (``purchased``: user → item → first purchase time). A family sharing a tablet may buy the same
    shampoo, but rarely four of them within two days."""
    sharers: dict[str, list[str]] = defaultdict(list)
    for account in accounts:
        for key in account.keys:
            sharers[key].append(account.user_id)
    width = settings.burst_window_hours * HOUR
    for key, users in sharers.items():
        if len(users) < settings.ring_min_accounts:
            continue
        buyers: dict[str, list[tuple[float, str]]] = defaultdict(list)
        for user in users:
            for item, at in purchased.get(user, {}).items():
                buyers[item].append((at, user))
        needed = max(settings.ring_min_accounts, (len(users) + 1) // 2)
        kind = key.split(":", 1)[0]
        for item, bought in sorted(buyers.items()):
            if len(bought) < needed:
                continue
            bought.sort()
            times = [at for at, _ in bought]
            start, count = _window_counts(times, width)
            if count < needed:
                continue
            who = {user for _, user in bought[start : start + count]}
            reason = (
                f"shares one {kind} with {len(users) - 1} other accounts; {len(who)} of them bought "
                f"{item} within {settings.burst_window_hours:g} h"
            )
            for user in who:
                result.flag(user, reason)


def find_rates(times_by_user: Mapping[str, list[float]], limit: int, what: str, result: AuditResult) -> None:
    """More than ``limit`` events (sorted times per user) within any 60 seconds."""
    for user, times in times_by_user.items():
        if len(times) <= limit:
            continue
        _, count = _window_counts(times, 60.0)
        if count > limit:
            result.flag(user, f"{count} {what} within one minute")


def find_store_hops(
    store_purchases: Mapping[str, list[tuple[float, str]]], settings: AuditSettings, result: AuditResult
) -> None:
    """Purchases in two different physical stores closer in time than anyone travels."""
    gap = settings.store_travel_minutes * 60.0
    for user, visits in store_purchases.items():
        for (at, store), (next_at, next_store) in pairwise(visits):
            if store != next_store and next_at - at < gap:
                minutes = (next_at - at) / 60.0
                result.flag(user, f"purchases in stores {store} and {next_store} {minutes:.0f} min apart")
                break


@dataclass
class Seen:
    """What the detectors need from the events, gathered in one chronological pass."""

    first_seen: dict[str, float] = field(default_factory=dict)  # user -> time of their first event
    purchases: dict[str, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))
    purchased: dict[str, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    views: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    buys: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    store_buys: dict[str, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))
    buys_of: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    browsers: set[str] = field(default_factory=set)
    history: float = 0.0  # seconds between the first and the last event

    def add_purchase(self, user: str, item: str, at: float, store_id: str | None) -> None:
        self.purchases[item].append((at, user))
        self.purchased[user].setdefault(item, at)
        self.buys_of[(user, item)] += 1
        self.buys[user].append(at)
        if store_id:
            self.store_buys[user].append((at, store_id))


def _gather(events: Iterable[Event], result: AuditResult) -> Seen:
    seen = Seen()
    first = last = None
    for event in events:
        first = event.timestamp if first is None else min(first, event.timestamp)
        last = event.timestamp if last is None else max(last, event.timestamp)
        user = event.user_id
        result.events_of[user] = result.events_of.get(user, 0) + 1
        seen.first_seen.setdefault(user, event.timestamp)
        if event.type != "purchase":
            seen.browsers.add(user)
        if event.type in VIEW_TYPES:
            seen.views[user].append(event.timestamp)
        elif event.type == "purchase" and event.item_id is not None:
            seen.add_purchase(user, event.item_id, event.timestamp, event.store_id)
    seen.history = (last - first) if first is not None and last is not None else 0.0
    return seen


def detect(
    events: Iterable[Event],
    accounts: Iterable[AccountKeys],
    settings: AuditSettings,
    trusted: frozenset[str] | set[str] = frozenset(),
) -> AuditResult:
    """Flag suspicious accounts among ``events`` (chronological) and ``accounts``; never ``trusted`` ones."""
    result = AuditResult()
    return judge(_gather(events, result), accounts, settings, trusted, result)


def judge(
    seen: Seen,
    accounts: Iterable[AccountKeys],
    settings: AuditSettings,
    trusted: frozenset[str] | set[str],
    result: AuditResult,
) -> AuditResult:
    """Run every detector over what ``seen`` gathered (``result.events_of`` already counted)."""
    for bought in seen.purchases.values():
        bought.sort()
    activity = Activity(seen.purchased, seen.buys_of, seen.browsers)
    find_bursts(seen.purchases, seen.first_seen, seen.history, activity, settings, result)
    find_rings(accounts, seen.purchased, settings, result)
    find_rates(seen.views, settings.max_views_per_minute, "views", result)
    # A basket is one act: its items share a timestamp, so purchases count as distinct checkout
    # seconds (a 12-item order, or a day's orders exported with one date, is not a bot).
    checkouts = {user: sorted({round(at) for at in times}) for user, times in seen.buys.items()}
    find_rates(checkouts, settings.max_purchases_per_minute, "checkouts", result)
    find_store_hops(seen.store_buys, settings, result)
    for user in trusted:
        result.reasons.pop(user, None)
    return result
