"""SASRec serves from an item table computed once per set of weights (not per request): the scores
must be exactly those of computing the table afresh, follow any further training, and survive
save → load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from shelfwise.retrieval.base import FitOptions, TrainingData
from shelfwise.retrieval.sasrec import SASRecConfig, SASRecModel, _left_pad

HISTORIES = [np.array([0]), np.array([4, 5]), np.array([2, 3, 4, 5, 6, 7, 8])]


def fresh_table_scores(model: SASRecModel, histories: list[np.ndarray]) -> np.ndarray:
    """The scores as computed before the cache: the item table rebuilt inside every call."""
    assert model.network is not None
    model.network.eval()
    with torch.no_grad():
        longest = min(max(len(h) for h in histories), model.config.max_length)
        states = model.network(torch.from_numpy(_left_pad(histories, longest)))[:, -1]
        return model.network.logits(states).numpy()


def fitted(data: TrainingData) -> SASRecModel:
    config = SASRecConfig(
        hidden=16, dropout=0.0, max_length=5, batch_size=64, max_epochs=5, validation_users=40
    )
    model = SASRecModel(config)
    model.fit(data, FitOptions(progress=False, max_minutes=0.5))
    return model


def test_cached_table_gives_the_fresh_table_scores(chain_data: TrainingData) -> None:
    assert chain_data.item_embeddings is not None  # the text projection is part of the table
    model = fitted(chain_data)
    np.testing.assert_array_equal(model.score(HISTORIES), fresh_table_scores(model, HISTORIES))


def test_training_again_invalidates_the_table(chain_data: TrainingData) -> None:
    model = fitted(chain_data)
    before = model.score(HISTORIES)
    model.train_on_full_sequences(list(chain_data.sequences), 2, deadline=float("inf"))
    after = model.score(HISTORIES)
    assert not np.array_equal(before, after)  # the weights moved ...
    np.testing.assert_array_equal(after, fresh_table_scores(model, HISTORIES))  # ... and so did the table


def test_save_load_gives_the_same_scores(chain_data: TrainingData, tmp_path: Path) -> None:
    model = fitted(chain_data)
    scores = model.score(HISTORIES)
    model.save(tmp_path)
    loaded = SASRecModel.load(tmp_path)
    np.testing.assert_array_equal(loaded.score(HISTORIES), scores)
    np.testing.assert_array_equal(loaded.score(HISTORIES), fresh_table_scores(loaded, HISTORIES))


def test_one_history_is_scored_by_its_trace_bit_for_bit(chain_data: TrainingData) -> None:
    """A request's single history goes through the traced path: the scores must be exactly the
    eager batch path's, for every length (one trace each), on repeated calls (TorchScript
    optimises a graph after its first runs) and after the weights change."""
    model = fitted(chain_data)
    histories = [np.array([], dtype=np.int64), *HISTORIES, np.arange(9)]  # 9 > max_length: cut to 5
    for _ in range(2):
        assert model._traces == {}  # untraced: the eager path answers
        model.warm_traces()
        for _ in range(4):
            for history in histories:
                assert model.score([history]).tobytes() == model.score([history], traced=False).tobytes()
        assert set(model._traces) == {1, 2, 3, 4, 5}  # one trace per input length (max_length 5)
        model.train_on_full_sequences(list(chain_data.sequences), 1, deadline=float("inf"))
        assert model._traces == {}  # new weights: traced again on first use
