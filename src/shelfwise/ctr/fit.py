"""Fit the click and conversion models on a log, and judge them offline on its newest impressions.

Pure functions of (examples, engagements, item space): ``shelfwise train``, ``shelfwise evaluate
--protocol impressions`` and ``benchmarks/ctr.py`` all come through here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from shelfwise.ctr.calibration import logloss, report
from shelfwise.ctr.examples import ClickExample
from shelfwise.ctr.features import ItemSpace, ItemStats, examination_curve, geometric_curve
from shelfwise.ctr.model import ClickModel, ClickModelConfig, fit_head
from shelfwise.ctr.sweep import Engagement, sweep

# Below this propensity a slot was explored: exploration fills a slot from a pool of 2k spares with
# probability share / 2k (at most 0.5 / 20), and keeps the ranked item with 1 − share (at least 0.5).
EXPLORED_PROPENSITY = 0.5
MIN_EXPLORED_CLICKS = 50  # clicks on explored slots for the examination curve to come from them


@dataclass(frozen=True)
class ClickLog:
    """Everything the models learn from, in time order."""

    examples: Sequence[ClickExample]
    engagements: Sequence[Engagement]
    space: ItemSpace
    query_vectors: Mapping[str, np.ndarray] | None = None

    def placements(self) -> dict[str, int]:
        return {name: n for n, name in enumerate(sorted({e.placement for e in self.examples}))}


def learnable(examples: Sequence[ClickExample], config: ClickModelConfig) -> bool:
    clicks = sum(e.clicked for e in examples)
    return (
        len(examples) >= config.min_impressions
        and clicks >= config.min_clicks
        and len(examples) - clicks >= config.min_clicks
    )


def fit_click_model(
    log: ClickLog, config: ClickModelConfig | None = None, seed: int = 0, deadline: float = math.inf
) -> ClickModel | None:
    """The calibrated click (and conversion) model, or None when the log is too small to learn from."""
    config = config or ClickModelConfig()
    if not learnable(log.examples, config):
        return None
    placements = log.placements()
    curve = position_curve(log.examples)
    swept = sweep(log.examples, log.engagements, log.space, placements, log.query_vectors, curve=curve)
    return _fit_on_rows(log.examples, swept.features, swept.stats, placements, config, seed, deadline)


def _fit_on_rows(
    examples: Sequence[ClickExample],
    rows: np.ndarray,
    stats: ItemStats,
    placements: dict[str, int],
    config: ClickModelConfig,
    seed: int,
    deadline: float,
) -> ClickModel:
    clicked = np.fromiter((e.clicked for e in examples), dtype=bool, count=len(examples))
    click, metrics = fit_head(rows, clicked.astype(np.float32), config, seed, deadline)
    out = {f"ctr_{k}": v for k, v in metrics.items()}
    conversion = None
    bought = np.fromiter((e.purchased for e in examples), dtype=bool, count=len(examples))[clicked]
    if bought.sum() >= config.min_purchases and (~bought).sum() >= config.min_purchases:
        conversion, cvr_metrics = fit_head(rows[clicked], bought.astype(np.float32), config, seed, deadline)
        out.update({f"cvr_{k}": v for k, v in cvr_metrics.items()})
        # A conversion model no better than the purchase rate on its newest clicks (a few hundred
        # clicks: the loop's round 1 gave AUC 0.44) would only add noise to pCTR × pCVR: pCVR is
        # then the global rate, and the stage ranks by pCTR.
        if cvr_metrics["logloss"] >= cvr_metrics["constant_logloss"]:
            conversion = None
    out["cvr_used"] = float(conversion is not None)
    out["ctr_impressions"] = float(len(examples))
    out["ctr_clicks"] = float(clicked.sum())
    out.update(rank_coverage(examples))
    return ClickModel(placements, stats, click, conversion, out)


def rank_coverage(examples: Sequence[ClickExample]) -> dict[str, float]:
    """How much of the log knows its source rank, how often rank and slot differ (explored
    slots, items the rules removed above): only those rows tell the ranker's belief from the slot's
    examination; and how much of it was explored (a slot filled at random, whatever its rank)."""
    ranked = [e for e in examples if e.source_rank is not None]
    off_slot = sum(e.source_rank != e.position for e in ranked)
    explored = sum(e.propensity is not None and e.propensity < EXPLORED_PROPENSITY for e in examples)
    return {
        "ctr_source_rank_share": len(ranked) / max(len(examples), 1),
        "ctr_rank_off_slot_share": off_slot / max(len(ranked), 1),
        "ctr_explored_share": explored / max(len(examples), 1),
    }


def position_curve(examples: Sequence[ClickExample]) -> list[float]:
    """The examination curve: from the explored impressions (``geometric_curve``) when they hold
    ``MIN_EXPLORED_CLICKS`` clicks, else by the alternating fit over the whole log."""
    explored = [e for e in examples if e.propensity is not None and e.propensity < EXPLORED_PROPENSITY]
    if sum(e.clicked for e in explored) >= MIN_EXPLORED_CLICKS:
        return geometric_curve(
            np.fromiter((e.position for e in explored), dtype=np.int64, count=len(explored)),
            np.fromiter((e.clicked for e in explored), dtype=bool, count=len(explored)),
        )
    codes: dict[str, int] = {}
    items = np.fromiter((codes.setdefault(e.item_id, len(codes)) for e in examples), dtype=np.int64)
    positions = np.fromiter((e.position for e in examples), dtype=np.int64, count=len(examples))
    clicked = np.fromiter((e.clicked for e in examples), dtype=np.float64, count=len(examples))
    return examination_curve(positions, items, clicked)


def split_by_time(examples: Sequence[ClickExample], holdout: float = 0.2) -> float:
    """The time at which the newest ``holdout`` share of impressions begins."""
    times = np.sort(np.fromiter((e.timestamp for e in examples), dtype=np.float64, count=len(examples)))
    return float(times[min(int(len(times) * (1 - holdout)), len(times) - 1)])


@dataclass(frozen=True)
class Holdout:
    """The newest impressions, with the click model's and the baseline's predictions for them."""

    train: Sequence[ClickExample]
    test: Sequence[ClickExample]
    labels: np.ndarray  # clicked, per test impression
    predicted: np.ndarray  # the click model's pCTR at the logged position
    baseline: np.ndarray  # the item's smoothed click-through in the training window
    fit_seconds: float
    model: ClickModel


def holdout_predictions(
    log: ClickLog, holdout: float = 0.2, config: ClickModelConfig | None = None, seed: int = 0
) -> Holdout:
    """Fit on the older impressions, predict the newest ``holdout`` share (by time) at their logged
    positions; item statistics for the held-out rows are frozen at the cut (the training window),
    customer histories keep growing as live profiles do.

    The baseline is each item's past click-through in the training window, smoothed toward the
    global rate (an item never shown gets the global rate)."""
    config = config or ClickModelConfig()
    cut = split_by_time(log.examples, holdout)
    train_n = sum(e.timestamp < cut for e in log.examples)
    train, test = log.examples[:train_n], log.examples[train_n:]
    if not learnable(train, config) or not test:
        raise ValueError(
            f"too few impressions to evaluate: {len(log.examples)} with "
            f"{sum(e.clicked for e in log.examples)} clicks (need {config.min_impressions}+ impressions "
            f"and {config.min_clicks}+ clicks before the newest {holdout:.0%})"
        )
    started = time.perf_counter()
    placements = log.placements()
    curve = position_curve(train)
    swept = sweep(
        log.examples, log.engagements, log.space, placements, log.query_vectors, stats_until=cut, curve=curve
    )
    model = _fit_on_rows(train, swept.features[:train_n], swept.stats, placements, config, seed, math.inf)
    fit_seconds = time.perf_counter() - started
    labels = np.fromiter((e.clicked for e in test), dtype=np.float32, count=len(test))
    predicted, _ = model.predict(swept.features[train_n:])
    baseline = np.array([swept.stats.ctr(e.item_id) for e in test])
    return Holdout(train, test, labels, predicted, baseline, fit_seconds, model)


def evaluate_log(
    log: ClickLog, holdout: float = 0.2, config: ClickModelConfig | None = None, seed: int = 0
) -> dict[str, float]:
    """AUC, log loss and ECE of the click model and of the item-CTR baseline on the newest
    ``holdout`` share of impressions (see ``holdout_predictions``)."""
    result = holdout_predictions(log, holdout, config, seed)
    labels = result.labels
    ours = report(labels, result.predicted)
    theirs = report(labels, result.baseline)
    return {
        **ours,
        "baseline_auc": theirs["auc"],
        "baseline_logloss": theirs["logloss"],
        "baseline_ece": theirs["ece"],
        "impressions": float(len(result.test)),
        "train_impressions": float(len(result.train)),
        "clicks": float(labels.sum()),
        "click_rate": float(labels.mean()),
        "constant_logloss": logloss(labels, np.full(len(labels), min(max(labels.mean(), 1e-6), 1 - 1e-6))),
    }
