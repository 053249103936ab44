"""The vectorised pieces of candidate features, against their definitions (known answers)."""

from __future__ import annotations

import numpy as np

from shelfwise.retrieval.features import _first_not_in, _history_similarities, _rank_of


def test_rank_of_gives_positions_in_each_rows_list_and_missing_elsewhere() -> None:
    ranked = np.array([[5, 2, 9], [1, 5, 0]])
    candidates = np.array([[9, 5, 7], [0, 3, 5]])
    assert _rank_of(candidates, ranked, 3.0).tolist() == [[2.0, 0.0, 3.0], [2.0, 3.0, 1.0]]


def test_first_not_in_skips_taken_items_and_keeps_the_order() -> None:
    ranked = np.array([[4, 1, 3, 0, 2], [0, 1, 2, 3, 4]])
    taken = np.array([[1, 0], [0, 4]])
    assert _first_not_in(ranked, taken, 2, 5).tolist() == [[4, 3], [1, 2]]


def test_history_similarities_match_the_products_they_stand_for() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(30, 8)).astype(np.float32)
    histories = [np.array([3, 7, 11, 2]), np.array([5]), np.zeros(0, dtype=np.int64)]
    candidates = np.array([[0, 1, 4], [2, 3, 6], [8, 9, 10]])
    last, mean, best = _history_similarities(vectors, histories, candidates)
    sims = vectors[[3, 7, 11, 2]] @ vectors[[0, 1, 4]].T
    np.testing.assert_allclose(last[:, 0], sims[[-1, -2, -3]], rtol=1e-6)
    np.testing.assert_allclose(mean[0], sims.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(best[0], sims.max(axis=0), rtol=1e-6)
    np.testing.assert_allclose(last[0, 1], vectors[5] @ vectors[[2, 3, 6]].T, rtol=1e-6)
    assert not last[1:, 1].any() and not last[:, 2].any() and not best[2].any()


def test_top_k_gives_each_rows_best_columns_best_first() -> None:
    from shelfwise.retrieval.features import _top_k

    rng = np.random.default_rng(1)
    scores = rng.permutation(40 * 300).reshape(40, 300).astype(np.float32)
    scores[:, ::7] = -np.inf  # masked items (the history) are never among the best
    expected = np.argsort(-scores, axis=1, kind="stable")[:, :25]
    assert _top_k(scores, 25).tolist() == expected.tolist()
    assert _top_k(scores[:, :4], 10).shape == (40, 4)  # k is capped at the number of items
