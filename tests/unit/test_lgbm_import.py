"""LightGBM is imported without scikit-learn (seconds of every model-loading start-up), and its
native API still trains and predicts; scikit-learn stays importable for whoever needs it."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

CHECK = """
import sys
import numpy as np
from shelfwise.lgbm import import_lightgbm
lgb = import_lightgbm()
assert "sklearn" not in sys.modules, "scikit-learn was imported with lightgbm"
x = np.array([[0.0], [1.0]] * 20)
y = np.array([0, 1] * 20)
booster = lgb.train({"objective": "binary", "verbose": -1, "min_data_in_leaf": 1}, lgb.Dataset(x, y), 5)
low, high = booster.predict(np.array([[0.0], [1.0]]))
assert low < 0.5 < high, (low, high)
assert import_lightgbm() is lgb
import sklearn  # not blocked after the import
print("ok")
"""


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="scikit-learn is not installed")
def test_lightgbm_comes_without_scikit_learn_and_still_trains_and_predicts() -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
