"""Customers with no history get what is popular lately, not the all-time best seller."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from shelfwise.history import CustomerHistory, trending_scores
from shelfwise.retrieval.base import FitOptions, TrainingData
from shelfwise.retrieval.ranker import CandidateRankerRecommender, RankerConfig

DAY = 86_400.0


def _history(
    customer: str, items: list[int], days_ago: list[float], now: float = 1_000 * DAY
) -> CustomerHistory:
    return CustomerHistory(customer, items, set(), [None] * len(items), [now - d * DAY for d in days_ago])


def test_recent_engagement_outweighs_old_volume() -> None:
    # Item 0: ten engagements 70 days ago. Item 1: three engagements today. Half-life 14 days.
    old = [_history(f"old{n}", [0], [70.0]) for n in range(10)]
    new = [_history(f"new{n}", [1], [0.0]) for n in range(3)]
    scores = trending_scores([*old, *new], n_items=3, half_life_days=14.0)
    assert scores[1] == 1.0  # normalised: the top item scores 1
    np.testing.assert_allclose(scores[0], 10 * 0.5**5 / 3, rtol=1e-5)  # 10 × 1/32 vs 3
    assert scores[2] == 0.0


def test_ages_count_from_the_newest_event_not_the_clock() -> None:
    a = trending_scores([_history("a", [0, 1], [10.0, 0.0], now=100 * DAY)], 2)
    b = trending_scores([_history("a", [0, 1], [10.0, 0.0], now=9_000 * DAY)], 2)
    np.testing.assert_allclose(a, b)


def test_ranker_serves_trending_to_empty_histories(tmp_path: Path) -> None:
    # Item 0 is the all-time best seller, item 5 the one trending now.
    sequences = [np.array([0, 1, 2]) for _ in range(30)] + [np.array([5, 6]) for _ in range(10)]
    trending = np.zeros(8, dtype=np.float32)
    trending[5], trending[6], trending[0] = 1.0, 0.6, 0.1
    data = TrainingData(8, sequences, None, trending)
    model = CandidateRankerRecommender(RankerConfig(min_data_in_leaf=5, max_rounds=10))
    model.fit(data, FitOptions(progress=False))
    assert int(np.argmax(model.score([np.array([], dtype=np.int32)])[0])) == 5
    model.save(tmp_path / "m")
    again = CandidateRankerRecommender.load(tmp_path / "m")
    assert int(np.argmax(again.score([np.array([], dtype=np.int32)])[0])) == 5
    # Without trending data the plain best seller comes first.
    plain = CandidateRankerRecommender(RankerConfig(min_data_in_leaf=5, max_rounds=10))
    plain.fit(replace(data, trending=None), FitOptions(progress=False))
    assert int(np.argmax(plain.score([np.array([], dtype=np.int32)])[0])) == 0
