"""The numpy evaluator of saved LightGBM trees gives LightGBM's own scores, bit for bit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from shelfwise.lgbm import import_lightgbm
from shelfwise.lgbm_trees import ZERO_THRESHOLD, load_trees

lightgbm = import_lightgbm()
FEATURES = 6


def _data(rows: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    data = (rng.normal(size=(rows, FEATURES)) * [1, 10, 0.01, 100, 1, 3]).astype(np.float32)
    data[rng.random(data.shape) < 0.15] = 0.0
    data[rng.random(data.shape) < 0.05] = np.nan
    return data


def _train(path: Path, objective: str, **params: object) -> object:
    data = _data(3000, 0)
    signal = np.nan_to_num(data[:, 0]) + 0.5 * np.nan_to_num(data[:, 1]) - np.isnan(data[:, 2])
    label = np.digitize(signal, np.quantile(signal, [0.5, 0.8, 0.95])).astype(float)
    dataset = lightgbm.Dataset(data, label, group=[30] * 100 if objective == "lambdarank" else None)
    booster = lightgbm.train(
        {"objective": objective, "num_leaves": 15, "verbose": -1, "seed": 1, **params}, dataset, 40
    )
    booster.save_model(str(path))
    return booster


def _probe(booster_path: Path) -> np.ndarray:
    """Rows that reach every corner: NaN, zero, values below the zero threshold, thresholds."""
    data = _data(2000, 1)
    data[:50] = np.float32(1e-36)
    data[50:60] = -np.float32(ZERO_THRESHOLD)
    trees = load_trees(booster_path)
    assert trees is not None
    for row, at in enumerate(range(min(len(trees.feature), 500))):
        data[100 + row, trees.feature[at]] = np.float32(trees.threshold[at])  # exactly on a split
    return data


@pytest.mark.parametrize(
    ("objective", "params", "missing_type"),
    [
        ("lambdarank", {}, 2),  # NaN goes the default way
        ("lambdarank", {"zero_as_missing": True}, 1),  # zero (and NaN) go the default way
        ("lambdarank", {"use_missing": False}, 0),  # no missing values: NaN reads as 0
        ("regression", {}, 2),
    ],
)
def test_scores_are_lightgbms_own(
    tmp_path: Path, objective: str, params: dict[str, object], missing_type: int
) -> None:
    path = tmp_path / "model.txt"
    booster = _train(path, objective, **params)
    trees = load_trees(path)
    assert trees is not None and trees.num_trees() == booster.num_trees()  # type: ignore[attr-defined]
    data = _probe(path)
    expected = booster.predict(data, num_threads=1)  # type: ignore[attr-defined]
    assert np.array_equal(trees.predict(data), expected)
    assert np.array_equal(trees.predict(data[:1]), expected[:1]) and len(trees.predict(data[:0])) == 0
    assert set(trees.missing.tolist()) == {missing_type}  # the case this parameter set covers


def test_what_it_does_not_follow_is_left_to_lightgbm(tmp_path: Path) -> None:
    _train(tmp_path / "binary.txt", "binary")  # scores go through a sigmoid
    assert load_trees(tmp_path / "binary.txt") is None
    data = _data(500, 2)
    data[:, 3] = np.random.default_rng(3).integers(0, 5, 500)
    dataset = lightgbm.Dataset(data, np.arange(500) % 2, categorical_feature=[3])
    lightgbm.train({"objective": "regression", "verbose": -1}, dataset, 5).save_model(
        str(tmp_path / "cat.txt")
    )
    assert load_trees(tmp_path / "cat.txt") is None  # categorical splits


def test_a_search_ranker_for_one_request_imports_no_lightgbm(tmp_path: Path) -> None:
    from shelfwise.search.features import FEATURE_NAMES

    rng = np.random.default_rng(4)
    data = rng.normal(size=(600, len(FEATURE_NAMES))).astype(np.float32)
    label = (data[:, 0] > 0.5).astype(float) + (data[:, 6] > 1.0)
    dataset = lightgbm.Dataset(data, label, group=[20] * 30)
    booster = lightgbm.train({"objective": "lambdarank", "verbose": -1}, dataset, 20)
    directory = tmp_path / "search"
    directory.mkdir()
    booster.save_model(str(directory / "reranker.txt"))
    (directory / "reranker.json").write_text(json.dumps({"features": list(FEATURE_NAMES), "metrics": {}}))
    np.save(tmp_path / "probe.npy", data[:50])
    code = (
        "import sys, numpy as np\n"
        "from shelfwise.search.ranker import SearchRanker\n"
        f"ranker = SearchRanker.load(__import__('pathlib').Path({str(directory)!r}), without_lightgbm=True)\n"
        f"np.save({str(tmp_path / 'scores.npy')!r}, ranker.score(np.load({str(tmp_path / 'probe.npy')!r})))\n"
        "print('lightgbm' in sys.modules, 'scipy.sparse' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, text=True)
    assert done.stdout.split() == ["False", "False"]
    expected = np.asarray(booster.predict(data[:50], num_threads=1), dtype=np.float32)
    assert np.array_equal(np.load(tmp_path / "scores.npy"), expected)
