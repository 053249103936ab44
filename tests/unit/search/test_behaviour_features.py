"""Behaviour features of candidate rows, on hand-made statistics whose values are known."""

from __future__ import annotations

import math
import pickle
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


def _logged() -> BehaviourStats:
    stats = _stats()
    stats.query_item = {
        ("deck stain", 3): np.array([2, 1, 0, 0], dtype=np.float32),
        ("deck stain", 7): np.array([1, 1, 1, 1], dtype=np.float32),
    }
    stats.item_search = {3: np.array([4, 1], dtype=np.float32)}
    return stats


def test_statistics_survive_pickling_with_packed_counts() -> None:
    stats = _logged()
    copy = pickle.loads(pickle.dumps(stats, protocol=pickle.HIGHEST_PROTOCOL))
    assert copy.query_item.keys() == stats.query_item.keys()
    for key, counts in stats.query_item.items():
        assert copy.query_item[key].tolist() == counts.tolist()
    assert copy.item_search[3].tolist() == [4.0, 1.0]
    assert copy.term_item == stats.term_item and copy.groups == 4
    rows = np.array([7, 3, 12])
    np.testing.assert_array_equal(
        copy.query_item_counts("deck stain", rows), stats.query_item_counts("deck stain", rows)
    )
    np.testing.assert_array_equal(copy.search_ctr(rows), stats.search_ctr(rows))
    empty = pickle.loads(pickle.dumps(BehaviourStats()))
    assert empty.query_item == {} and empty.item_search == {} and empty.empty


def test_statistics_pickled_before_packing_still_load() -> None:
    stats = _logged()
    old = BehaviourStats.__new__(BehaviourStats)
    old.__setstate__(dict(stats.__dict__))  # the plain __dict__ older snapshots carry
    assert old.query_item is stats.query_item and old.item_search is stats.item_search


def test_query_item_counts_read_only_the_querys_own_rows() -> None:
    stats = _logged()
    stats.query_item[("other query", 5)] = np.array([9, 9, 9, 9], dtype=np.float32)
    got = stats.query_item_counts("Deck  STAIN", np.array([12, 7, 5, 3]))  # normalised like the log
    assert got.dtype == np.float32
    assert got.tolist() == [[0, 0, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0], [2, 1, 0, 0]]
    assert stats.query_item_counts("never searched", np.array([3, 7])).tolist() == [[0] * 4] * 2
    assert stats.query_item_counts("deck stain", np.zeros(0, dtype=np.int64)).shape == (0, 4)


def test_look_up_tables_are_not_pickled() -> None:
    stats = _logged()
    stats.search_ctr(np.array([3]))
    stats.query_item_counts("deck stain", np.array([3]))
    state = stats.__getstate__()
    # A snapshot holds the statistics as before: the tables are rebuilt by the process reading it.
    assert set(state) == {"query_item", "term_item", "term_groups", "term_category", "item_search", "groups"}
    copy = pickle.loads(pickle.dumps(stats))
    np.testing.assert_array_equal(copy.search_ctr(np.array([3, 0])), stats.search_ctr(np.array([3, 0])))
