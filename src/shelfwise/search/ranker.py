"""The learned re-ranker: LightGBM lambdarank over the candidate features, saved as text.

Absent (no search log yet), search ranks by the unlearned fusion score; present, its score
replaces fusion. Prediction is single-threaded: on a shared 2-core machine more threads were
measured slower (docs/dependencies.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from shelfwise.errors import ModelError
from shelfwise.lgbm import import_lightgbm
from shelfwise.lgbm_trees import load_trees
from shelfwise.search.features import FEATURE_NAMES

MODEL_FILE = "reranker.txt"
META_FILE = "reranker.json"


@dataclass
class SearchRanker:
    booster: Any  # lightgbm.Booster (imported lazily), or NumpyTrees (shelfwise.lgbm_trees)
    metrics: dict[str, float]

    def score(self, features: np.ndarray) -> np.ndarray:
        if len(features) == 0:
            return np.zeros(0, dtype=np.float32)
        return np.asarray(self.booster.predict(features, num_threads=1), dtype=np.float32)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(str(directory / MODEL_FILE))
        meta = {"features": list(FEATURE_NAMES), "metrics": self.metrics}
        (directory / META_FILE).write_text(json.dumps(meta, indent=2))

    @classmethod
    def load(cls, directory: Path, without_lightgbm: bool = False) -> SearchRanker | None:
        """The saved ranker, or None when the version has none (trained without a search log).
        ``without_lightgbm``: score with the numpy evaluator of the saved trees (the same scores,
        ``shelfwise.lgbm_trees``) when it follows the model, so LightGBM is not imported: for a
        one-off search, where the import cost more than scoring (such a ranker cannot be saved)."""
        if not (directory / MODEL_FILE).is_file():
            return None
        meta = json.loads((directory / META_FILE).read_text())
        if meta["features"] != list(FEATURE_NAMES):
            raise ModelError(f"{directory}: search reranker built for other features; retrain")
        trees = load_trees(directory / MODEL_FILE) if without_lightgbm else None
        if trees is not None:
            return cls(trees, meta.get("metrics", {}))
        lightgbm = import_lightgbm()
        return cls(lightgbm.Booster(model_file=str(directory / MODEL_FILE)), meta.get("metrics", {}))
