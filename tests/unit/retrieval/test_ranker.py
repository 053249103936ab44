from __future__ import annotations

from pathlib import Path

import numpy as np

from shelfwise.retrieval.base import FitOptions, SequentialRecommender, TrainingData
from shelfwise.retrieval.features import FEATURE_NAMES
from shelfwise.retrieval.ranker import OUTSIDE_CANDIDATES, CandidateRankerRecommender, RankerConfig
from shelfwise.retrieval.sasrec import SASRecConfig
from shelfwise.retrieval.transitions import csr_value


def small_ranker() -> CandidateRankerRecommender:
    config = RankerConfig(
        min_data_in_leaf=5, num_leaves=7, max_rounds=30, validation_share=0.2, extra_steps=1
    )
    return CandidateRankerRecommender(config)


def fitted(data: TrainingData) -> CandidateRankerRecommender:
    model = small_ranker()
    model.fit(data, FitOptions(progress=False))
    return model


def test_follows_the_protocol() -> None:
    assert isinstance(small_ranker(), SequentialRecommender)


def test_next_item_after_a_is_b(chain_data: TrainingData) -> None:
    model = fitted(chain_data)
    scores = model.score([np.array([0]), np.array([4, 5])])
    assert scores.shape == (2, chain_data.n_items)
    assert scores.dtype == np.float32
    assert int(np.argmax(scores[0])) == 1
    masked = scores[1].copy()
    masked[[4, 5]] = -np.inf
    assert int(np.argmax(masked)) == 6


def test_fit_reports_validation_metrics(chain_data: TrainingData) -> None:
    metrics = fitted(chain_data).fit(chain_data, FitOptions(progress=False))
    # Ten items make HR@10 trivially 1; NDCG@10 near 1 needs the next link ranked first.
    assert metrics["valid_ndcg@10"] > 0.9


def test_fit_records_its_curve_and_feature_gains(chain_data: TrainingData) -> None:
    model = fitted(chain_data)
    curve = model.curves["ranker valid_ndcg@10 per round"]
    assert 1 <= len(curve) <= 30 and curve[-1] > 0.9  # the held-out chain is learned
    gains = model.feature_importances()
    assert set(gains) == set(FEATURE_NAMES) and sum(gains.values()) > 0
    top = max(gains, key=gains.__getitem__)
    assert gains[top] > 0 and top in FEATURE_NAMES


def test_cold_item_is_reachable_through_text(chain_data: TrainingData, cold_item: int) -> None:
    model = fitted(chain_data)
    scores = model.score([np.array([1])])[0]
    assert scores[cold_item] > OUTSIDE_CANDIDATES / 2  # among the candidates, not in the tail


def test_empty_history_gives_best_sellers(chain_data: TrainingData) -> None:
    model = fitted(chain_data)
    scores = model.score([np.array([], dtype=np.int32)])[0]
    counts = np.bincount(np.concatenate(chain_data.sequences), minlength=chain_data.n_items)
    assert int(np.argmax(scores)) == int(np.argmax(counts))


def test_explain_points_at_the_history_item(chain_data: TrainingData) -> None:
    model = fitted(chain_data)
    evidence = model.explain(np.array([8, 4]), 5)
    assert evidence[0].source == "transition"
    assert evidence[0].history_item == 4


def test_explain_many_weighs_each_recent_item_by_its_age(chain_data: TrainingData) -> None:
    # A history longer than the decay's 10 halvings (it stops there) and with repeats: each
    # transition's evidence weight is the statistic times 0.5 ** min(steps back, 10), strongest
    # first, equal weights in recency order.
    model = fitted(chain_data)
    assert model.stats is not None
    history = np.array([0, 1, 4, 5, 8, 2, 6, 0, 1, 4, 5, 8, 2, 6, 3, 0], dtype=np.int64)
    items = [1, 2, 3, 5, 6, 7]
    found = model.explain_many(history, items, top=100)
    recent = [int(x) for x in history[-20:]][::-1]
    for item, evidence in zip(items, found, strict=True):
        expected = [
            (csr_value(model.stats.baseline.transitions, source, item) * 0.5 ** min(back, 10), source)
            for back, source in enumerate(recent)
        ]
        expected = sorted([e for e in expected if e[0] > 0], key=lambda e: -e[0])
        got = [(e.weight, e.history_item) for e in evidence if e.source == "transition"]
        assert got == expected and got
        assert evidence[-1].source == "similar_text"


def test_save_load_gives_identical_scores(chain_data: TrainingData, tmp_path: Path) -> None:
    model = fitted(chain_data)
    assert model.adapted is not None  # the behaviour adapter's features are part of what is saved
    model.save(tmp_path)
    loaded = CandidateRankerRecommender.load(tmp_path)
    histories = [np.array([0, 1]), np.array([8]), np.array([], dtype=np.int32)]
    np.testing.assert_array_equal(model.score(histories), loaded.score(histories))


def test_works_without_text_embeddings(chain_data: TrainingData) -> None:
    data = TrainingData(chain_data.n_items, chain_data.sequences, None)
    model = fitted(data)
    assert int(np.argmax(model.score([np.array([2])])[0])) == 3


def test_with_a_neural_sequence_model(chain_data: TrainingData, tmp_path: Path) -> None:
    neural = SASRecConfig(
        hidden=16,
        dropout=0.0,
        max_length=5,
        batch_size=64,
        learning_rate=1e-2,
        max_epochs=15,
        patience=15,
        validation_users=40,
    )
    config = RankerConfig(min_data_in_leaf=5, num_leaves=7, max_rounds=30, neural_minutes=0.2, neural=neural)
    model = CandidateRankerRecommender(config)
    model.fit(chain_data, FitOptions(progress=False))
    assert model.neural is not None
    histories = [np.array([0]), np.array([4, 5])]
    scores = model.score(histories)
    assert int(np.argmax(scores[0])) == 1
    # One point per SASRec epoch (15, patience never runs out) beside the ranker's boosting rounds.
    assert len(model.curves["sasrec valid_ndcg@10 per epoch"]) == 15
    model.save(tmp_path)
    np.testing.assert_array_equal(scores, CandidateRankerRecommender.load(tmp_path).score(histories))


def test_a_tiny_store_trains_without_a_sequence_model() -> None:
    # Two-item histories only: nothing to hold out for SASRec, too little to learn order from.
    data = TrainingData(4, [np.array([0, 1]), np.array([2, 3]), np.array([0, 1])], None)
    model = CandidateRankerRecommender(RankerConfig(min_data_in_leaf=1, max_rounds=5))
    model.fit(data, FitOptions(progress=False))
    assert model.neural is None
    assert int(np.argmax(model.score([np.array([0])])[0])) == 1


def test_the_adapter_pulls_items_bought_in_sequence_together(chain_data: TrainingData) -> None:
    model = fitted(chain_data)
    assert model.embeddings is not None and model.adapted is not None
    # 0 → 1 is a chain step; 0 and 5 belong to different chains.
    frozen_gap = model.embeddings[0] @ model.embeddings[1] - model.embeddings[0] @ model.embeddings[5]
    adapted_gap = model.adapted[0] @ model.adapted[1] - model.adapted[0] @ model.adapted[5]
    assert adapted_gap > frozen_gap


def test_a_model_without_a_sequence_model_loads_without_torch(
    chain_data: TrainingData, tmp_path: Path
) -> None:
    """Loading (what a server's start-up does) imports no torch for a model fitted without a
    SASRec; the warm-up after start-up imports it (candidate selection needs it), and the loaded
    model scores as the fitted one."""
    import subprocess
    import sys

    config = RankerConfig(min_data_in_leaf=5, num_leaves=7, max_rounds=30, neural_minutes=0.0)
    model = CandidateRankerRecommender(config)
    model.fit(chain_data, FitOptions(progress=False))
    assert model.neural is None
    model.save(tmp_path)
    histories = [[0, 1], [8], []]
    np.save(tmp_path / "expected.npy", model.score([np.array(h, dtype=np.int32) for h in histories]))
    code = (
        "import sys, numpy as np\n"
        "from shelfwise.retrieval.ranker import CandidateRankerRecommender\n"
        f"model = CandidateRankerRecommender.load(__import__('pathlib').Path({str(tmp_path)!r}))\n"
        "loaded = 'torch' in sys.modules\n"
        "model.warm_traces()\n"
        f"scores = model.score([np.array(h, dtype=np.int32) for h in {histories!r}])\n"
        f"print(loaded, 'torch' in sys.modules, np.array_equal(scores, np.load({str(tmp_path / 'expected.npy')!r})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, text=True)
    assert done.stdout.split() == ["False", "True", "True"]
