from __future__ import annotations

from pathlib import Path

import numpy as np

from shelfwise.evaluation.sequences import leave_last_two_out, masked_target_ranks, rank_metrics
from shelfwise.retrieval.base import FitOptions, TrainingData
from shelfwise.retrieval.transitions import (
    PopularityModel,
    TransitionConfig,
    TransitionModel,
    last_items_matrix,
)


def test_next_item_after_a_is_b(chain_data: TrainingData) -> None:
    model = TransitionModel()
    model.fit(chain_data, FitOptions())
    scores = model.score([np.array([0]), np.array([4, 5])])
    assert scores.shape == (2, chain_data.n_items)
    assert int(np.argmax(scores[0])) == 1
    masked = scores[1].copy()
    masked[[4, 5]] = -np.inf
    assert int(np.argmax(masked)) == 6


def test_explain_names_the_history_item(chain_data: TrainingData) -> None:
    model = TransitionModel()
    model.fit(chain_data)
    evidence = model.explain(np.array([4, 0]), 1)
    assert evidence[0].source == "transition"
    assert evidence[0].history_item == 0


def test_empty_history_ranks_by_popularity(chain_data: TrainingData) -> None:
    model = TransitionModel()
    model.fit(chain_data)
    scores = model.score([np.array([], dtype=np.int32)])[0]
    counts = np.bincount(np.concatenate(chain_data.sequences), minlength=chain_data.n_items)
    assert scores.max() > 0
    assert int(np.argmax(scores)) == int(np.argmax(counts))


def test_save_load_gives_identical_scores(chain_data: TrainingData, tmp_path: Path) -> None:
    model = TransitionModel()
    model.fit(chain_data)
    model.save(tmp_path)
    loaded = TransitionModel.load(tmp_path)
    histories = [np.array([0, 1]), np.array([8])]
    np.testing.assert_array_equal(model.score(histories), loaded.score(histories))


def test_popularity_model_round_trip(chain_data: TrainingData, tmp_path: Path) -> None:
    model = PopularityModel()
    model.fit(chain_data)
    model.save(tmp_path)
    np.testing.assert_array_equal(
        model.score([np.array([0])]), PopularityModel.load(tmp_path).score([np.array([0])])
    )


def test_ties_count_against_the_target() -> None:
    scores = np.array([[1.0, 1.0, 1.0, 0.0], [3.0, 2.0, 1.0, 0.0]])
    ranks = masked_target_ranks(scores, [np.array([], dtype=np.int32), np.array([0])], np.array([0, 1]))
    # Row 0: two other items tie with the target → rank 3. Row 1: item 0 is history (masked) → rank 1.
    assert ranks.tolist() == [3, 1]
    metrics = rank_metrics(np.array([1, 11]), k=10)
    assert metrics == {"hr@10": 0.5, "ndcg@10": 0.5}


def test_leave_one_out_split() -> None:
    split = leave_last_two_out([np.array([1, 2, 3, 4]), np.array([5, 6])])
    assert [s.tolist() for s in split.train] == [[1, 2]]
    assert split.valid_targets.tolist() == [3]
    assert split.test_targets.tolist() == [4]
    assert [s.tolist() for s in split.train_plus_valid] == [[1, 2, 3]]


def test_a_few_histories_score_bit_for_bit_as_the_sparse_product() -> None:
    """The dense path for a request's few histories (``_few_scores``) must give exactly the sparse
    product's float32 scores, decays that do not add up exactly included."""
    rng = np.random.default_rng(3)
    sequences = [rng.integers(0, 400, size=int(rng.integers(2, 30))) for _ in range(600)]
    data = TrainingData(sequences=sequences, n_items=400)
    for decay in (0.5, 0.37):
        model = TransitionModel(TransitionConfig(history_decay=decay, history_items=4))
        model.fit(data, FitOptions())
        histories = [
            np.array([5]),
            np.array([9, 2, 7, 3, 11]),
            np.array([], dtype=np.int64),
            rng.permutation(400)[:40],
        ]
        sparse = np.asarray((last_items_matrix(histories, 400, 4, decay) @ model.transitions).todense())
        sparse += model.config.popularity_weight * model.popularity[None, :]
        few = model.score(histories)
        assert model._few_scores(histories) is not None  # the dense path answered
        assert few.dtype == np.float32 and few.tobytes() == sparse.astype(np.float32).tobytes()
    # A repeated recent item: scipy sums its weights first, so the sparse product answers.
    assert model._few_scores([np.array([4, 8, 4])]) is None
