"""Learning from what shoppers saw: calibrated click (pCTR) and conversion (pCVR) models over
logged impressions, their features, and their offline metrics (AUC, log loss, ECE)."""

from shelfwise.ctr.calibration import Platt, auc, ece, logloss
from shelfwise.ctr.examples import ClickExample, examples_from_events, examples_from_feedback, merge_examples
from shelfwise.ctr.features import FEATURE_NAMES, ItemSpace, ItemStats, RecentItems
from shelfwise.ctr.fit import ClickLog, evaluate_log, fit_click_model
from shelfwise.ctr.model import MODEL_DIR, ClickModel, ClickModelConfig, load_click_model
from shelfwise.ctr.sweep import Engagement

__all__ = [
    "FEATURE_NAMES",
    "MODEL_DIR",
    "ClickExample",
    "ClickLog",
    "ClickModel",
    "ClickModelConfig",
    "Engagement",
    "ItemSpace",
    "ItemStats",
    "Platt",
    "RecentItems",
    "auc",
    "ece",
    "evaluate_log",
    "examples_from_events",
    "examples_from_feedback",
    "fit_click_model",
    "load_click_model",
    "logloss",
    "merge_examples",
]
