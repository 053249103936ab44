"""Assignment: stable per subject, shares as configured, independent across experiments."""

from __future__ import annotations

from collections import Counter

from scipy.stats import chi2_contingency

from shelfwise.experiments.assignment import assign, unit_hash

HALVES = {"control": 0.5, "treatment": 0.5}
IDS = [f"c-{n:05d}" for n in range(10_000)]


def test_a_subject_always_gets_the_same_variant_and_the_salt_matters() -> None:
    first = [assign("salt-a", i, HALVES) for i in IDS[:500]]
    assert first == [assign("salt-a", i, HALVES) for i in IDS[:500]]
    other_salt = [assign("salt-b", i, HALVES) for i in IDS[:500]]
    assert first != other_salt
    assert min(unit_hash("s", i) for i in IDS) >= 0.0 and max(unit_hash("s", i) for i in IDS) < 1.0


def test_shares_follow_the_traffic_within_tolerance_on_10k_ids() -> None:
    traffic = {"control": 0.2, "treatment": 0.5, "other": 0.3}
    counts = Counter(assign("shares", i, traffic) for i in IDS)
    for variant, share in traffic.items():
        # 4 standard errors of a binomial share on 10k draws is under 0.02
        assert abs(counts[variant] / len(IDS) - share) < 0.02, (variant, counts)


def test_a_zero_share_variant_gets_nobody_and_rounding_lands_in_the_last() -> None:
    assert {assign("z", i, {"a": 0.0, "b": 1.0}) for i in IDS[:2000]} == {"b"}
    assert {assign("z", i, {"a": 0.5, "b": 0.4999999}) for i in IDS} <= {"a", "b"}


def test_two_experiments_assign_independently() -> None:
    table = Counter((assign("exp-1", i, HALVES), assign("exp-2", i, HALVES)) for i in IDS)
    cells = [[table["control", "control"], table["control", "treatment"]],
             [table["treatment", "control"], table["treatment", "treatment"]]]  # fmt: skip
    _, p_value, _, _ = chi2_contingency(cells)
    assert p_value > 0.01, cells
    # the same salt twice is the degenerate, fully dependent case the test must be able to see
    same = Counter((assign("exp-1", i, HALVES), assign("exp-1", i, HALVES)) for i in IDS)
    assert same["control", "treatment"] == same["treatment", "control"] == 0
