"""Metrics on hand-computed cases."""

from __future__ import annotations

import math
from itertools import product

import numpy as np
import pytest

from shelfwise.evaluation.metrics import (
    auc,
    coverage,
    diversity,
    hit_rate_at_k,
    hits_from_ranks,
    logloss,
    mae,
    mrr_at_k,
    ndcg_at_k,
    ndcg_from_ranks,
    novelty,
    rank_of_target,
    recall_at_k,
    reciprocal_ranks,
    rmse,
    target_ranks,
    top_k_items,
)

RANKED = [7, 3, 5, 1, 9]


def test_target_at_rank_three() -> None:
    assert hit_rate_at_k(RANKED, {5}, 3) == 1.0
    assert hit_rate_at_k(RANKED, {5}, 2) == 0.0
    assert ndcg_at_k(RANKED, {5}, 10) == pytest.approx(0.5)  # 1 / log2(4)
    assert mrr_at_k(RANKED, {5}, 10) == pytest.approx(1 / 3)
    assert mrr_at_k(RANKED, {5}, 2) == 0.0
    ranks = np.array([3])
    assert hits_from_ranks(ranks, 3)[0] == 1.0
    assert ndcg_from_ranks(ranks, 10)[0] == pytest.approx(0.5)
    assert reciprocal_ranks(ranks, 10)[0] == pytest.approx(1 / 3)
    assert ndcg_from_ranks(np.array([11]), 10)[0] == 0.0


def test_recall_with_several_relevant_items() -> None:
    assert recall_at_k(RANKED, {3, 9, 42}, 2) == pytest.approx(1 / 3)
    assert recall_at_k(RANKED, {3, 9, 42}, 5) == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        recall_at_k(RANKED, set(), 5)


def test_binary_ndcg_with_two_relevant_items() -> None:
    # relevant at positions 2 and 4: DCG = 1/log2(3) + 1/log2(5); IDCG = 1 + 1/log2(3)
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(RANKED, {3, 1}, 5) == pytest.approx(expected)


def test_graded_ndcg() -> None:
    # gains: item 7 → 1 (position 1), item 5 → 3 (position 3), item 42 → 2 (not retrieved)
    gains = {7: 1.0, 5: 3.0, 42: 2.0}
    dcg = 1.0 / 1.0 + 3.0 / 2.0  # log2(2) = 1, log2(4) = 2
    idcg = 3.0 + 2.0 / math.log2(3) + 1.0 / 2.0
    assert ndcg_at_k(RANKED, gains, 3) == pytest.approx(dcg / idcg)
    assert ndcg_at_k([5, 42, 7], gains, 3) == pytest.approx(1.0)
    assert ndcg_at_k([5, 5, 5], {5: 1.0}, 3) == pytest.approx(1.0)  # a repeat earns nothing twice


def test_rank_counts_ties_against_the_target() -> None:
    scores = np.zeros(50)
    assert rank_of_target(scores, 7) == 50
    ranks = target_ranks(np.zeros((3, 50)), np.array([0, 10, 49]))
    assert ranks.tolist() == [50, 50, 50]
    assert hits_from_ranks(ranks, 10).mean() == 0.0
    # one item above, two tied with the target → rank 1 + 1 + 2 = 4
    assert rank_of_target(np.array([0.1, 0.9, 0.5, 0.5, 0.5]), 3) == 4


def test_history_items_are_excluded_before_ranking() -> None:
    scores = np.array([0.9, 0.8, 0.7, 0.1])
    assert rank_of_target(scores, 2) == 3
    assert rank_of_target(scores, 2, exclude=[0, 1]) == 1
    # a target that is itself in the history sinks to the bottom, tied with the other excluded items
    assert rank_of_target(scores, 0, exclude=[0, 1]) == 4
    batch = target_ranks(
        np.tile(scores, (2, 1)), np.array([2, 2]), [np.array([0, 1]), np.array([], dtype=int)]
    )
    assert batch.tolist() == [1, 3]


def test_nan_scores_count_as_no_opinion() -> None:
    assert rank_of_target(np.array([np.nan, 0.5, np.nan]), 1) == 1
    assert rank_of_target(np.array([np.nan, 0.5, np.nan]), 0) == 3


def test_top_k_items_best_first_without_history() -> None:
    scores = np.array([[0.1, 0.9, 0.5, 0.7]])
    assert top_k_items(scores, 2).tolist() == [[1, 3]]
    assert top_k_items(scores, 2, [np.array([1])]).tolist() == [[3, 2]]


def brute_force_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    positives = scores[labels == 1]
    negatives = scores[labels == 0]
    total = 0.0
    for p, n in product(positives, negatives):
        total += 1.0 if p > n else 0.5 if p == n else 0.0
    return total / (len(positives) * len(negatives))


def test_auc_matches_pair_count_with_ties() -> None:
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 5, size=40).astype(float)  # many ties on purpose
    labels = rng.integers(0, 2, size=40)
    assert auc(scores, labels) == pytest.approx(brute_force_auc(scores, labels))
    assert auc(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1])) == 1.0
    assert auc(np.ones(4), np.array([0, 1, 0, 1])) == 0.5
    with pytest.raises(ValueError):
        auc(np.ones(3), np.ones(3))


def test_logloss_is_clipped_and_known() -> None:
    assert logloss(np.array([0.5, 0.5]), np.array([1, 0])) == pytest.approx(math.log(2))
    assert math.isfinite(logloss(np.array([0.0, 1.0]), np.array([1, 0])))


def test_mae_and_rmse() -> None:
    assert mae(np.array([1.0, 2.0, 4.0]), np.array([1.0, 3.0, 2.0])) == pytest.approx(1.0)
    assert rmse(np.array([1.0, 2.0, 4.0]), np.array([1.0, 3.0, 2.0])) == pytest.approx(math.sqrt(5 / 3))


def test_coverage_and_novelty_on_a_toy_catalog() -> None:
    lists = [[0, 1], [0, 2]]
    assert coverage(lists, 10) == pytest.approx(0.3)
    popularity = np.array([4, 2, 2, 0])  # shares 1/2, 1/4, 1/4; item 3 unseen
    # self-information: item 0 → 1 bit (twice), items 1 and 2 → 2 bits
    assert novelty(lists, popularity) == pytest.approx((1 + 2 + 1 + 2) / 4)
    # an unseen item counts as seen once: -log2(1/8) = 3 bits
    assert novelty([[3]], popularity) == pytest.approx(3.0)


def test_diversity_from_embeddings_and_categories() -> None:
    embeddings = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    assert diversity([[0, 1]], item_embeddings=embeddings) == pytest.approx(1.0)
    assert diversity([[0, 2]], item_embeddings=embeddings) == pytest.approx(0.0)
    # pairs (0,1) orthogonal, (0,2) identical, (1,2) orthogonal → mean cosine 1/3
    assert diversity([[0, 1, 2]], item_embeddings=embeddings) == pytest.approx(2 / 3)
    categories = ["shoes", "shoes", "bags"]
    assert diversity([[0, 1, 2]], item_categories=categories) == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        diversity([[0, 1]])
