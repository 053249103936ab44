"""Brushing (fake orders) injected into real sequences, and how far it moves recommendations.

``run_brushing(sequences, ...)`` turns real item sequences (Amazon 5-core: order only, no times) into
timestamped purchase events, adds fake accounts that repeatedly buy one target item together with
popular items (created within a few hours, sharing a handful of devices), and fits the transitions
model three times: on the real data, on real + fake, and on real + fake with the suspicious-activity
filter applied. The answer is the target's exposure (real customers with it in their top 10) in each
case and the share of fake and real accounts flagged. Used by ``benchmarks/robustness.py`` and a test.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from shelfwise.audit import AccountKeys, AuditSettings, detect
from shelfwise.domain import Event
from shelfwise.retrieval.base import FitOptions, TrainingData
from shelfwise.retrieval.transitions import TransitionModel

DAY = 86_400.0
T0 = 1_400_000_000.0  # May 2014, the era of the Amazon 2014 data


@dataclass(frozen=True)
class BrushingResult:
    customers: int
    fake_accounts: int
    target: int
    exposure_before: int  # real customers with the target in their top 10, real data only
    exposure_injected: int  # ... after the fake accounts' orders were added
    exposure_filtered: int  # ... with the filter keeping flagged accounts out
    fake_flagged: int
    real_flagged: int
    signals: dict[str, int]  # signal (burst, ring, bot, impossible) → accounts it flagged

    @property
    def fake_flagged_share(self) -> float:
        return self.fake_flagged / max(self.fake_accounts, 1)

    @property
    def real_flagged_share(self) -> float:
        return self.real_flagged / max(self.customers, 1)


def timestamped_events(sequences: Sequence[np.ndarray], seed: int, days: float = 730.0) -> list[Event]:
    """One purchase per sequence entry: each customer starts at a random day within ``days`` and
    buys again every 1–30 days (the data keeps only the order; these times keep it)."""
    rng = random.Random(seed)
    events = []
    for user, sequence in enumerate(sequences):
        at = T0 + rng.uniform(0, days) * DAY
        for item in sequence:
            events.append(Event(f"real-{user}", "purchase", at, item_id=str(int(item)), channel="web"))
            at += rng.uniform(1, 30) * DAY
    return events


def household_devices(n_customers: int, seed: int, share: float = 0.1) -> list[AccountKeys]:
    """Real customers with devices; ``share`` of them share a tablet with 1–3 others (households)."""
    rng = random.Random(seed + 1)
    order = list(range(n_customers))
    rng.shuffle(order)  # households of strangers in the data's order, not of neighbours in the file
    accounts, device, start = [], 0, 0
    while start < n_customers:
        size = rng.choice((2, 3, 4)) if rng.random() < share else 1
        for member in order[start : start + size]:
            accounts.append(AccountKeys(f"real-{member}", (f"device_id:real-{device}",)))
        start += size
        device += 1
    return accounts


def fake_orders(
    n_fake: int, target: int, popular: Sequence[int], start: float, seed: int, devices: int = 6
) -> tuple[list[Event], list[AccountKeys]]:
    """Accounts created within six hours, each buying 3 popular items with the target after each."""
    rng = random.Random(seed + 2)
    events, accounts = [], []
    for n in range(n_fake):
        user = f"fake-{n}"
        at = start + rng.uniform(0, 6) * 3600
        for item in rng.sample(list(popular), 3):
            for bought in (item, target):
                events.append(Event(user, "purchase", at, item_id=str(bought), channel="app"))
                at += rng.uniform(60, 600)
        accounts.append(AccountKeys(user, (f"device_id:fake-{n % devices}",)))
    return events, accounts


def _sequences(events: list[Event], n_items: int) -> dict[str, np.ndarray]:
    by_user: dict[str, list[tuple[float, int]]] = {}
    for event in events:
        by_user.setdefault(event.user_id, []).append((event.timestamp, int(event.item_id or 0)))
    out = {}
    for user, bought in by_user.items():
        bought.sort()
        items = [item for _, item in bought]
        collapsed = [item for n, item in enumerate(items) if n == 0 or items[n - 1] != item]
        out[user] = np.asarray(collapsed, dtype=np.int32)
    return out


def exposure(events: list[Event], n_items: int, customers: list[np.ndarray], target: int, k: int = 10) -> int:
    """Real customers (by their full history) with ``target`` in the model's top ``k`` (bought items masked)."""
    model = TransitionModel()
    model.fit(
        TrainingData(n_items=n_items, sequences=list(_sequences(events, n_items).values())), FitOptions()
    )
    hits = 0
    for start in range(0, len(customers), 1024):
        chunk = customers[start : start + 1024]
        scores = model.score(chunk)
        for row, history in enumerate(chunk):
            scores[row, history] = -np.inf
        top = np.argpartition(-scores, k, axis=1)[:, :k]
        hits += int((top == target).any(axis=1).sum())
    return hits


def signal_of(reason: str) -> str:
    """Which detector wrote a reason (see ``shelfwise.audit.detect``)."""
    if "new accounts that bought" in reason:
        return "burst"
    if reason.startswith("shares one"):
        return "ring"
    if reason.endswith("views within one minute"):
        return "bot"
    return "impossible"


def pick_target(sequences: Sequence[np.ndarray], n_items: int, rank: int) -> tuple[int, list[int]]:
    """The item at popularity ``rank`` (a mid-list item a seller would push) and the 20 most popular."""
    counts = np.bincount(np.concatenate(list(sequences)), minlength=n_items)
    order = np.argsort(-counts, kind="stable")
    return int(order[rank]), [int(i) for i in order[:20]]


def run_brushing(
    sequences: Sequence[np.ndarray],
    n_fake: int = 40,
    target_rank: int = 1000,
    seed: int = 0,
    settings: AuditSettings | None = None,
) -> BrushingResult:
    settings = settings or AuditSettings()
    n_items = int(max(int(s.max()) for s in sequences)) + 1
    target, popular = pick_target(sequences, n_items, target_rank)
    real = timestamped_events(sequences, seed)
    end = max(event.timestamp for event in real)
    fake_events, fake_accounts = fake_orders(n_fake, target, popular, end - 20 * DAY, seed)
    injected = sorted(real + fake_events, key=lambda e: e.timestamp)
    accounts = household_devices(len(sequences), seed) + fake_accounts
    flagged = detect(injected, accounts, settings)
    customers = [np.asarray(s, dtype=np.int32) for s in sequences]
    signals: dict[str, int] = {}
    for found in flagged.reasons.values():
        for signal in {signal_of(reason) for reason in found}:
            signals[signal] = signals.get(signal, 0) + 1
    kept = [event for event in injected if event.user_id not in flagged.flagged]
    return BrushingResult(
        customers=len(sequences),
        fake_accounts=n_fake,
        target=target,
        exposure_before=exposure(real, n_items, customers, target),
        exposure_injected=exposure(injected, n_items, customers, target),
        exposure_filtered=exposure(kept, n_items, customers, target),
        fake_flagged=sum(user.startswith("fake-") for user in flagged.flagged),
        real_flagged=sum(user.startswith("real-") for user in flagged.flagged),
        signals=signals,
    )
