from __future__ import annotations

from pathlib import Path

import numpy as np

from shelfwise.retrieval.base import FitOptions, SequentialRecommender, TrainingData
from shelfwise.retrieval.sasrec import SASRecConfig, SASRecModel


def tiny_sasrec() -> SASRecModel:
    config = SASRecConfig(
        hidden=16,
        dropout=0.0,
        max_length=5,
        batch_size=64,
        learning_rate=1e-2,
        max_epochs=40,
        patience=40,
        validation_users=40,
    )
    return SASRecModel(config)


def test_follows_the_protocol() -> None:
    assert isinstance(tiny_sasrec(), SequentialRecommender)


def test_learns_the_chains_and_round_trips(chain_data: TrainingData, tmp_path: Path) -> None:
    model = tiny_sasrec()
    metrics = model.fit(chain_data, FitOptions(progress=False, max_minutes=0.5))
    # With ten items HR@10 is always 1; NDCG@10 is not: it is near 1 only when the chain's next
    # link ranks first (a model scoring at random gets about 0.3).
    assert metrics["valid_ndcg@10"] > 0.9
    scores = model.score([np.array([0]), np.array([4, 5]), np.array([], dtype=np.int32)])
    assert scores.shape == (3, chain_data.n_items)
    assert int(np.argmax(scores[0])) == 1
    assert int(np.argmax(scores[1])) == 6
    model.save(tmp_path)
    np.testing.assert_array_equal(
        scores,
        SASRecModel.load(tmp_path).score([np.array([0]), np.array([4, 5]), np.array([], dtype=np.int32)]),
    )
