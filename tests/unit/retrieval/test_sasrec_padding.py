"""SASRec's states do not depend on the padding of a batch, so training may batch sequences of
similar length; the batches cover every sequence once and hold about the asked-for positions."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import numpy as np
import torch

from shelfwise.retrieval.sasrec import SASRecConfig, SASRecModel, SASRecNetwork, length_batches


def _model(ignore_padding: bool) -> SASRecModel:
    torch.manual_seed(0)
    config = SASRecConfig(hidden=16, dropout=0.0, max_length=8, ignore_padding=ignore_padding)
    model = SASRecModel(config)
    model.n_items = 20
    model.network = SASRecNetwork(20, config, None)
    return model


def test_a_history_scores_the_same_alone_and_beside_a_longer_one() -> None:
    short, long = np.array([3, 4]), np.array([1, 2, 5, 6, 7, 8, 9])
    model = _model(ignore_padding=True)
    alone = model.score([short])[0]
    padded = model.score([short, long])[0]  # padded to 7 positions beside the long history
    np.testing.assert_allclose(alone, padded, rtol=1e-5, atol=1e-5)


def test_without_ignore_padding_the_padding_changes_the_scores() -> None:
    # Models saved before ignore_padding existed keep their behaviour: padding is attended to.
    model = _model(ignore_padding=False)
    short, long = np.array([3, 4]), np.array([1, 2, 5, 6, 7, 8, 9])
    assert np.abs(model.score([short])[0] - model.score([short, long])[0]).max() > 1e-3


def test_length_batches_cover_each_sequence_once_with_similar_lengths() -> None:
    rng = np.random.default_rng(0)
    sequences = [np.arange(n) for n in rng.integers(1, 15, size=500)]
    batches = length_batches(sequences, max_length=10, targets=60, rng=rng)
    rows = np.concatenate(batches)
    # Every sequence that predicts something (2+ items) exactly once; single items never.
    assert sorted(rows.tolist()) == [i for i, s in enumerate(sequences) if len(s) >= 2]
    targets = [[min(len(sequences[i]), 11) - 1 for i in batch] for batch in batches]
    assert all(sum(t) <= 60 + 10 for t in targets)  # at most one sequence past each cut
    spans = sorted((min(t), max(t)) for t in targets)
    assert all(hi <= next_lo for (_, hi), (next_lo, _) in pairwise(spans))  # no interleaving
    total = sum(min(len(s), 11) - 1 for s in sequences if len(s) >= 2)
    assert len(batches) in (total // 60, total // 60 + 1)


def test_a_model_saved_before_ignore_padding_loads_without_it(tmp_path: Path) -> None:
    model = _model(ignore_padding=True)
    model.save(tmp_path)
    meta = json.loads((tmp_path / "sasrec.json").read_text())
    del meta["config"]["ignore_padding"]  # what older versions wrote
    (tmp_path / "sasrec.json").write_text(json.dumps(meta))
    assert SASRecModel.load(tmp_path).config.ignore_padding is False
    assert SASRecModel.load(tmp_path).network.ignore_padding is False  # type: ignore[union-attr]
