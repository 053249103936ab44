"""The click model (pCTR: a click given an impression) and the conversion model (pCVR: a purchase
given a click), each a LightGBM binary classifier (cross-entropy) calibrated by Platt scaling.

pCTR × pCVR is then the probability that showing the item sells it, and × price its expected revenue.
Conversion is modelled *given a click* (not given an impression) because a purchase without a click
on a shown item is rare and mostly unattributable; trained on clicked impressions only, the model
learns what turns interest into a sale, and the product is still a probability per impression.

Training splits the log by time: the oldest ``1 - calibration_share`` boosts, the newest slice
early-stops boosting and fits the calibration, so "3 %" is measured on impressions the trees never
saw, newer than those they learned from — as serving will be.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from shelfwise.ctr.calibration import Platt, logloss, report
from shelfwise.ctr.features import (
    CATEGORICAL,
    FEATURE_NAMES,
    Context,
    ItemSpace,
    ItemStats,
    RecentItems,
    feature_rows,
)
from shelfwise.errors import ModelError
from shelfwise.lgbm import import_lightgbm

MODEL_DIR = "ctr"
SERVING_POSITION = 0  # the top slot, where a candidate is scored when its source rank is not used
# Trees boosted even past the training deadline: `shelfwise train` fits the click model last, and
# a run that overran its budget (a loaded machine) left it one tree — a model in name only, whose
# ranking is a handful of leaves (a 2026-12-03 loop run).
MIN_ROUNDS = 20
RANKED_LOG_SHARE = 0.5  # share of training impressions with a source rank for the stage to use it
# Share of explored impressions (slots filled at random) from which a log separates the source's
# rank from the slot well enough to ask "how likely at the top, given its rank" (serving_slot auto).
EXPLORED_LOG_SHARE = 0.05
# A lower slot can only lower the click rate, and so can a lower rank from the source (the ranker's
# belief that the customer wants the item); a higher past click-through can only raise it.
MONOTONE = {
    "position": -1,
    "item_top_ctr": 1,
    "item_slot_ctr": 1,
    "query_item_ctr": 1,
    "source_rank": -1,
}


@dataclass(frozen=True)
class ClickModelConfig:
    num_leaves: int = 15
    learning_rate: float = 0.05
    max_rounds: int = 400
    early_stopping_rounds: int = 50
    min_data_in_leaf: int = 50
    calibration_share: float = 0.2
    # Precision of the Platt prior at the identity (``Platt.fit``): plain Platt on the newest 20 %
    # shifted Home Depot's probabilities by that slice's chance click rate (held-out ECE 0.028).
    calibration_prior: float = 1000.0
    min_impressions: int = 200  # fewer: no click model (nothing changes)
    min_clicks: int = 10
    min_purchases: int = 10  # fewer: no conversion model, pCVR is the global rate


@dataclass
class Head:
    """One calibrated binary classifier."""

    booster: Any  # lightgbm.Booster
    calibration: Platt

    def predict(self, rows: np.ndarray) -> np.ndarray:
        return self.calibration(self.booster.predict(rows, num_threads=1))


def fit_head(
    rows: np.ndarray,
    labels: np.ndarray,
    config: ClickModelConfig,
    seed: int,
    deadline: float = math.inf,
) -> tuple[Head, dict[str, float]]:
    """Boost on the older rows, early-stop and calibrate on the newest slice (rows in time order)."""
    lightgbm = import_lightgbm()

    cut = int(len(rows) * (1 - config.calibration_share))
    fit_x, fit_y, cal_x, cal_y = rows[:cut], labels[:cut], rows[cut:], labels[cut:]
    if fit_y.min() == fit_y.max() or len(cal_y) == 0:  # a slice with one class: use all rows for both
        fit_x, fit_y, cal_x, cal_y = rows, labels, rows, labels
    params = {
        "objective": "binary",
        "metric": "binary_logloss",
        "num_leaves": config.num_leaves,
        "learning_rate": config.learning_rate,
        "min_data_in_leaf": max(5, min(config.min_data_in_leaf, len(fit_y) // 20)),
        "feature_fraction": 0.9,
        "lambda_l2": 1.0,
        # See MONOTONE: noise in the other features cannot rank a proven item below a worse one.
        "monotone_constraints": [MONOTONE.get(name, 0) for name in FEATURE_NAMES],
        "num_threads": 1,
        "seed": seed,
        "verbosity": -1,
        "deterministic": True,
        "force_row_wise": True,
    }

    def dataset(x: np.ndarray, y: np.ndarray, reference: Any = None) -> Any:
        return lightgbm.Dataset(
            x, y, feature_name=list(FEATURE_NAMES), categorical_feature=list(CATEGORICAL), reference=reference
        )

    def stop_at_deadline(env: Any) -> None:
        if env.iteration + 1 >= MIN_ROUNDS and time.monotonic() > deadline:
            raise lightgbm.callback.EarlyStopException(env.iteration, env.evaluation_result_list)

    train_set = dataset(fit_x, fit_y)
    booster = lightgbm.train(
        params,
        train_set,
        num_boost_round=config.max_rounds,
        valid_sets=[dataset(cal_x, cal_y, train_set)],
        callbacks=[lightgbm.early_stopping(config.early_stopping_rounds, verbose=False), stop_at_deadline],
    )
    raw = booster.predict(cal_x, num_threads=1)
    head = Head(booster, Platt.fit(raw, cal_y, prior=config.calibration_prior))
    metrics = report(cal_y, head.predict(cal_x))
    # What predicting the older rows' rate for every row scores on the same slice: a head that does
    # not beat it has learned nothing its caller should rank by.
    metrics["constant_logloss"] = logloss(cal_y, np.full(len(cal_y), float(np.mean(fit_y))))
    metrics["rounds"] = float(booster.best_iteration or booster.current_iteration())
    return head, metrics


@dataclass
class ClickModel:
    placements: dict[str, int]  # placement → its code; the stage applies to these placements only
    stats: ItemStats
    click: Head
    conversion: Head | None  # None: too few purchases; pCVR is then the global rate
    metrics: dict[str, float] = field(default_factory=dict)
    # The feature columns the heads were trained on, when fewer than today's (a model saved before
    # a feature was added: served on its own columns rather than refused until the next train).
    columns: np.ndarray | None = None

    @property
    def knows_source_rank(self) -> bool:
        """Whether most of the log it learned from had the source's rank (lists the server logged);
        a log of ingested impression events has none, and the model then ranks as before it."""
        return self.metrics.get("ctr_source_rank_share", 0.0) >= RANKED_LOG_SHARE

    @property
    def learned_from_exploration(self) -> bool:
        """Whether enough of its log was explored (random items in random slots, ``EXPLORED_LOG_SHARE``)
        for rank and slot to be told apart."""
        return self.knows_source_rank and self.metrics.get("ctr_explored_share", 0.0) >= EXPLORED_LOG_SHARE

    def predict(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(pCTR, pCVR) of feature rows."""
        if self.columns is not None:
            rows = rows[:, self.columns]
        ctr = self.click.predict(rows)
        if self.conversion is None:
            return ctr, np.full(len(rows), self.stats.global_cvr)
        return ctr, self.conversion.predict(rows)

    def score(
        self,
        item_ids: Sequence[str],
        placement: str,
        history: RecentItems,
        space: ItemSpace,
        query: str | None = None,
        query_vector: np.ndarray | None = None,
        source_ranks: Sequence[int] | None = None,
        at_source_slot: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(pCTR, pCVR) of showing each item in ``placement`` now: at the top slot, or, with
        ``at_source_slot``, in the slot its source rank would give it (``source_ranks``, the items'
        ranks in the source's list; None: unknown, every item at the top).

        Why the source's slot: in a log of lists served without a re-scoring stage the slot *is*
        the source rank, so a model asked about (top slot, rank 30) answers off its data, by
        whichever of the two equal columns its trees happened to split on. At the source's slot
        the question stays on the log's support: the ranker's order is the prior and the item's
        own features move it up or down (docs/ctr.md, "Does the loop close?")."""
        context = Context(self.placements.get(placement, -1), SERVING_POSITION, query, query_vector)
        positions = list(source_ranks) if source_ranks is not None and at_source_slot else None
        rows = feature_rows(item_ids, context, history, self.stats, space, source_ranks, positions)
        return self.predict(rows)

    # ------------------------------------------------------------------ persistence
    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.click.booster.save_model(str(directory / "click.txt"))
        if self.conversion is not None:
            self.conversion.booster.save_model(str(directory / "conversion.txt"))
        meta = {
            "features": list(FEATURE_NAMES),
            "placements": self.placements,
            "click_calibration": self.click.calibration.to_json(),
            "conversion_calibration": self.conversion.calibration.to_json() if self.conversion else None,
            "metrics": self.metrics,
        }
        (directory / "ctr.json").write_text(json.dumps(meta))
        (directory / "stats.json").write_text(json.dumps(asdict(self.stats)))

    @classmethod
    def load(cls, directory: Path) -> ClickModel:
        lightgbm = import_lightgbm()

        meta = json.loads((directory / "ctr.json").read_text())
        columns = _columns_of(meta["features"], directory)
        click = Head(
            lightgbm.Booster(model_file=str(directory / "click.txt")),
            Platt.from_json(meta["click_calibration"]),
        )
        conversion = None
        if meta["conversion_calibration"] is not None:
            conversion = Head(
                lightgbm.Booster(model_file=str(directory / "conversion.txt")),
                Platt.from_json(meta["conversion_calibration"]),
            )
        stats = ItemStats(**json.loads((directory / "stats.json").read_text()))
        return cls(meta["placements"], stats, click, conversion, meta.get("metrics", {}), columns)


def _columns_of(features: list[str], directory: Path) -> np.ndarray | None:
    """Where a saved model's features sit among today's: None when they are today's; an error when
    it used a feature that no longer exists (it cannot be served without retraining)."""
    if tuple(features) == FEATURE_NAMES:
        return None
    missing = [name for name in features if name not in FEATURE_NAMES]
    if missing:
        raise ModelError(
            f"{directory}: the click model uses features this version of Shelfwise no longer computes "
            f"({', '.join(missing)}): run `shelfwise train`"
        )
    return np.array([FEATURE_NAMES.index(name) for name in features], dtype=np.int64)


def load_click_model(version_dir: Path) -> ClickModel | None:
    """The version's click model, or None when it was trained without impressions."""
    directory = version_dir / MODEL_DIR
    return ClickModel.load(directory) if (directory / "ctr.json").exists() else None
