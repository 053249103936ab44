"""Fairness and exposure functions on inputs whose answers are worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from shelfwise.evaluation.fairness import (
    exposure_by_group,
    exposure_counts,
    gini,
    popularity_deciles,
    quality_by_group,
)


def test_gini_of_equal_and_concentrated_values() -> None:
    assert gini(np.array([5.0, 5.0, 5.0, 5.0])) == pytest.approx(0.0)
    assert gini(np.array([0.0, 0.0, 0.0, 8.0])) == pytest.approx(0.75)  # (n-1)/n for one holder
    assert gini(np.zeros(3)) == 0.0


def test_quality_per_group_and_the_largest_gap() -> None:
    ranks = np.array([1] * 20 + [11] * 20 + [3] * 25)  # north: all rank 1; south: misses; east: rank 3
    labels = {"region": ["north"] * 20 + ["south"] * 20 + ["east"] * 25}
    groups, gaps = quality_by_group(ranks, labels, k=10)
    assert groups["region"]["north"] == {"n": 20.0, "hr@10": 1.0, "ndcg@10": 1.0}
    assert groups["region"]["south"]["hr@10"] == 0.0
    assert groups["region"]["east"]["ndcg@10"] == pytest.approx(0.5)  # 1 / log2(4)
    assert gaps["region"]["best"] == "north" and gaps["region"]["worst"] == "south"
    assert gaps["region"]["gap"] == pytest.approx(1.0) and gaps["region"]["hr_gap"] == pytest.approx(1.0)
    assert gaps["region"]["p_value"] == pytest.approx(1 / 1000)  # no shuffle separates them so cleanly


def test_a_gap_between_groups_drawn_alike_is_not_significant() -> None:
    rng = np.random.default_rng(5)
    ranks = rng.integers(1, 30, size=600)  # the same quality for everyone
    labels = {"age": list(rng.choice(["18-24", "25-34", "35-44", "45-54", "55-64", "65+"], size=600))}
    _, gaps = quality_by_group(ranks, labels, k=10)
    assert gaps["age"]["gap"] > 0.02  # six noisy means always spread a little...
    assert gaps["age"]["p_value"] > 0.1  # ...and shuffling the labels spreads them as much


def test_small_and_unknown_groups_are_listed_but_not_in_the_gap() -> None:
    ranks = np.array([1] * 30 + [50] * 5 + [50] * 30)
    labels = {"age": ["18-24"] * 30 + ["65+"] * 5 + ["unknown"] * 30}
    groups, gaps = quality_by_group(ranks, labels, k=10, min_cases=20)
    assert set(groups["age"]) == {"18-24", "65+", "unknown"}
    assert "age" not in gaps  # one sized group that is not "unknown": no gap to report


def test_exposure_against_engagement_per_brand() -> None:
    lists = np.array([[0, 1], [0, 2], [0, 1]])  # item 0 takes half of the six slots
    exposure = exposure_counts(lists, 4)
    assert exposure.tolist() == [3.0, 2.0, 1.0, 0.0]
    engagement = np.array([1.0, 1.0, 1.0, 1.0])
    table = exposure_by_group(exposure, engagement, ["acme", "acme", "zen", None])
    assert table["acme"]["exposure_share"] == pytest.approx(5 / 6)
    assert table["acme"]["engagement_share"] == pytest.approx(0.5)
    assert table["acme"]["ratio"] == pytest.approx(5 / 3)
    assert table["unknown"]["exposure_share"] == 0.0


def test_popularity_deciles_split_items_by_engagement() -> None:
    engagement = np.arange(20, 0, -1, dtype=float)  # item 0 most engaged
    exposure = np.zeros(20)
    exposure[:2] = 10.0  # only the top decile is ever shown
    rows = popularity_deciles(exposure, engagement, np.ones(20, dtype=bool))
    assert [r["items"] for r in rows] == [2.0] * 10
    assert rows[0]["exposure_share"] == 1.0 and rows[0]["engagement_share"] == pytest.approx(39 / 210)
    assert all(r["exposure_share"] == 0.0 for r in rows[1:])
