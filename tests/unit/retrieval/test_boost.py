"""The ranker's boosting stops where its limits say: ``patience`` rounds after the best validation
round (and keeps that round), or at the deadline."""

from __future__ import annotations

import time

import numpy as np

from shelfwise.retrieval.features import FEATURE_NAMES
from shelfwise.retrieval.ranker import BoostLimits, boost

PARAMS: dict[str, object] = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "eval_at": [10],
    "num_leaves": 7,
    "learning_rate": 0.3,
    "min_data_in_leaf": 5,
    "num_threads": 1,
    "seed": 0,
    "deterministic": True,
    "verbosity": -1,
}


def _groups(
    rng: np.random.Generator, n_groups: int, signal: bool
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Groups of 20 candidates with one positive; with ``signal`` the first feature finds it."""
    x = rng.normal(size=(n_groups * 20, len(FEATURE_NAMES))).astype(np.float32)
    y = np.zeros(n_groups * 20, dtype=np.float32)
    y[rng.integers(0, 20, size=n_groups) + np.arange(n_groups) * 20] = 1.0
    if signal:
        x[:, 0] += 0.8 * y
    return x, y, [20] * n_groups


def test_boosting_stops_patience_rounds_after_its_best_round() -> None:
    rng = np.random.default_rng(0)
    # Validation labels unrelated to the features: its best round comes early and is not beaten.
    train, valid = _groups(rng, 200, signal=True), _groups(rng, 60, signal=False)
    booster, curves = boost(PARAMS, train, valid, BoostLimits(500, 7, time.monotonic() + 600))
    curve = curves["valid_0"]["ndcg@10"]
    best = int(np.argmax(curve)) + 1  # first round with the highest score
    assert booster.best_iteration == best  # type: ignore[attr-defined]
    assert len(curve) == best + 7 < 500
    assert booster.current_iteration() == best  # type: ignore[attr-defined]  # the rest dropped


def test_boosting_stops_at_its_deadline() -> None:
    rng = np.random.default_rng(0)
    train, valid = _groups(rng, 200, signal=True), _groups(rng, 60, signal=True)
    booster, _ = boost(PARAMS, train, valid, BoostLimits(500, 400, time.monotonic() - 1))
    assert booster.current_iteration() == 1  # type: ignore[attr-defined]  # one round, then the deadline
