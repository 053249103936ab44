"""Exploration's logged propensities are the true marginals, and SNIPS recovers a policy's CTR."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from shelfwise.experiments.exploration import explore
from shelfwise.experiments.offpolicy import LoggedSlot, snips

RANKED = ["a", "b", "c", "d", "e", "f"]  # k = 2: shown a, b; pool c..f


def test_no_exploration_shows_the_ranking() -> None:
    assert explore(RANKED, 2, 0.0, random.Random(1)) == (["a", "b"], [1.0, 1.0])
    assert explore(["a"], 2, 0.3, random.Random(1)) == (["a"], [1.0])  # nothing to explore with


def test_logged_propensities_match_how_often_each_item_lands_in_each_slot() -> None:
    rng, runs = random.Random(3), 40_000
    landed: Counter[tuple[int, str]] = Counter()
    logged: dict[tuple[int, str], float] = {}
    for _ in range(runs):
        shown, propensities = explore(RANKED, 2, 0.5, rng)
        assert len(set(shown)) == 2
        for position, (item, propensity) in enumerate(zip(shown, propensities, strict=True)):
            landed[position, item] += 1
            logged[position, item] = propensity
    for key, propensity in logged.items():
        assert landed[key] / runs == pytest.approx(propensity, abs=0.01), key
    assert logged[0, "a"] == 0.5 and logged[1, "e"] == 0.125  # 1 − ε and ε / |pool|


def test_snips_by_hand() -> None:
    slots = [
        LoggedSlot("r1", 0, "a", 0.8, True),   # target shows a at 0: weight 1.25, clicked
        LoggedSlot("r1", 1, "x", 0.05, False),  # target shows b at 1: no weight
        LoggedSlot("r2", 0, "c", 0.05, False),  # target shows c at 0: weight 20, not clicked
        LoggedSlot("r3", 0, "a", 0.8, True),   # no target list for r3: not replayed
    ]  # fmt: skip
    estimate = snips(slots, {"r1": ["a", "b"], "r2": ["c", "d"]})
    assert estimate.ctr == pytest.approx(1.25 / 21.25)
    assert (estimate.requests, estimate.slots, estimate.matched) == (2, 3, 2)
    assert estimate.effective_slots == pytest.approx(21.25**2 / (1.25**2 + 20**2))
    assert snips(slots, {"r1": ["q", "q"]}).ctr is None
    # Two clusters: (C, W) = (1.25, 1.25) and (0, 20); k/(k−1) × Σ(C − R·W)² / (ΣW)², R = 1.25/21.25.
    ratio = 1.25 / 21.25
    half = 1.959964 * ((2 / 1) * ((1.25 - ratio * 1.25) ** 2 + (ratio * 20) ** 2) / 21.25**2) ** 0.5
    assert estimate.ci95 == pytest.approx((max(0.0, ratio - half), ratio + half), abs=1e-5)
    assert snips(slots, {"r1": ["a", "b"]}).ci95 is None  # one list: a CTR, no spread to measure


def test_snips_recovers_another_policys_ctr_from_explored_logs() -> None:
    """Shoppers click item i at slot p with probability appeal[i] × look[p]; the log comes from a
    policy ranking by name, the target ranks the other way round and is never served."""
    rng = random.Random(11)
    appeal = {item: 0.1 + 0.12 * n for n, item in enumerate(RANKED)}  # f is the best
    look = [1.0, 0.5]
    target = ["f", "e"]
    truth = sum(appeal[i] * look[p] for p, i in enumerate(target)) / 2
    slots, lists = [], {}
    for n in range(30_000):
        shown, propensities = explore(RANKED, 2, 0.3, rng)
        for p, (item, propensity) in enumerate(zip(shown, propensities, strict=True)):
            slots.append(LoggedSlot(f"r{n}", p, item, propensity, rng.random() < appeal[item] * look[p]))
        lists[f"r{n}"] = target
    logged_ctr = sum(s.clicked for s in slots) / len(slots)
    estimate = snips(slots, lists)
    assert estimate.ci95[0] < truth < estimate.ci95[1]
    assert abs(logged_ctr - truth) > 0.1  # the naive log CTR is far off: the estimate did the work


def test_snips_uses_only_the_supported_lists() -> None:
    slots = [LoggedSlot("r1", 0, "a", 0.8, True), LoggedSlot("r2", 0, "c", 0.05, False)]
    estimate = snips(slots, {"r1": ["a"], "r2": ["c"]}, supported={"r1"})
    assert (estimate.ctr, estimate.requests, estimate.slots) == (1.0, 1, 1)
