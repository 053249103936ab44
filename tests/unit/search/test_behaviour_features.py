"""Behaviour features of candidate rows, on hand-made statistics whose values are known."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from shelfwise.search.behaviour import BehaviourStats


def _stats() -> BehaviourStats:
    return BehaviourStats(
        term_groups=Counter({"deck": 1, "stain": 3}),
        term_item={"deck": Counter({3: 2, 7: 1}), "stain": Counter({row: 1 for row in range(10)})},
        groups=4,
    )


def test_term_association_weighs_each_terms_engagement_by_its_idf() -> None:
    # "deck" has fewer engaged items than there are candidates, "stain" more: both ways of reading
    # the counts must agree with the definition.
    deck, stain = math.log(1 + 4 / 2), math.log(1 + 4 / 4)
    got = _stats().term_association(("deck", "stain", "unknown"), np.array([7, 3, 12]))
    expected = [
        (deck * math.log1p(1) + stain * math.log1p(1)) / 3,
        (deck * math.log1p(2) + stain * math.log1p(1)) / 3,
        0.0,
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_term_association_with_a_row_twice() -> None:
    deck = math.log(1 + 4 / 2)
    got = _stats().term_association(("deck",), np.array([3, 3, 7]))
    np.testing.assert_allclose(
        got, [deck * math.log1p(2), deck * math.log1p(2), deck * math.log1p(1)], rtol=1e-6
    )


def test_search_ctr_is_smoothed_engagements_per_impression() -> None:
    stats = BehaviourStats(
        item_search={3: np.array([4, 1], dtype=np.float32), 7: np.array([0, 0], dtype=np.float32)}
    )
    got = stats.search_ctr(np.array([7, 3, 12]))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, [0.1, 1.1 / 5, 0.0], rtol=1e-6)
    assert stats.search_ctr(np.array([12])).tolist() == [0.0]
