"""Calibration (isotonic regression) and the metrics of a probability: AUC, log loss, ECE.

ECE uses 10 equal-mass bins (each holds a tenth of the predictions, sorted): with click rates of a
few percent, equal-width bins would put almost every prediction in the first bin and say nothing.
ECE = Σ_bins (bin size / n) · |mean prediction − click rate|.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

EPS = 1e-6


@dataclass
class Isotonic:
    """A non-decreasing map from raw score to probability (pool-adjacent-violators), linear between
    the fitted block centres, constant beyond them."""

    x: np.ndarray
    y: np.ndarray

    @classmethod
    def fit(cls, scores: np.ndarray, labels: np.ndarray) -> Isotonic:
        order = np.argsort(scores, kind="stable")
        s, t = np.asarray(scores, dtype=np.float64)[order], np.asarray(labels, dtype=np.float64)[order]
        # Blocks: [sum of labels, count, sum of scores]; merge while a block's mean exceeds the next.
        sums: list[float] = []
        counts: list[float] = []
        xs: list[float] = []
        for score, label in zip(s, t, strict=True):
            sums.append(label)
            counts.append(1.0)
            xs.append(score)
            while len(sums) > 1 and sums[-2] / counts[-2] >= sums[-1] / counts[-1]:
                label_sum, count, score_sum = sums.pop(), counts.pop(), xs.pop()
                sums[-1] += label_sum
                counts[-1] += count
                xs[-1] += score_sum
        x = np.asarray(xs) / np.asarray(counts)
        y = np.asarray(sums) / np.asarray(counts)
        return cls(x, y)

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        out = np.interp(np.asarray(scores, dtype=np.float64), self.x, self.y)
        return np.clip(out, EPS, 1 - EPS)

    def to_json(self) -> dict[str, list[float]]:
        return {"x": self.x.tolist(), "y": self.y.tolist()}

    @classmethod
    def from_json(cls, data: dict[str, list[float]]) -> Isotonic:
        return cls(np.asarray(data["x"], dtype=np.float64), np.asarray(data["y"], dtype=np.float64))


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (ties count half); NaN when only one class is present."""
    labels = np.asarray(labels, dtype=bool)
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def logloss(labels: np.ndarray, probabilities: np.ndarray) -> float:
    p = np.clip(np.asarray(probabilities, dtype=np.float64), EPS, 1 - EPS)
    y = np.asarray(labels, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def ece(labels: np.ndarray, probabilities: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over ``bins`` equal-mass bins (see the module docstring)."""
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    if len(p) == 0:
        return float("nan")
    order = np.argsort(p, kind="stable")
    total = 0.0
    for chunk in np.array_split(order, min(bins, len(p))):
        total += len(chunk) * abs(p[chunk].mean() - y[chunk].mean())
    return float(total / len(p))


def report(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    return {
        "auc": auc(labels, probabilities),
        "logloss": logloss(labels, probabilities),
        "ece": ece(labels, probabilities),
    }
