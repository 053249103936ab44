"""Calibration (Platt scaling) and the metrics of a probability: AUC, log loss, ECE.

ECE uses 10 equal-mass bins (each holds a tenth of the predictions, sorted): with click rates of a
few percent, equal-width bins would put almost every prediction in the first bin and say nothing.
ECE = Σ_bins (bin size / n) · |mean prediction − click rate|.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPS = 1e-6


@dataclass
class Platt:
    """Platt scaling: probability = sigmoid(a · logit(raw) + b), fitted by maximum likelihood.

    Two parameters, so a calibration slice of a few thousand impressions pins them down; isotonic
    regression was tried first and its end blocks (a few dozen impressions each) moved the top
    items' probabilities by ±0.05 from one slice to the next. The boosted trees already minimise
    log loss, so what is left to correct is a scale and a shift (the statistics of serving are
    those of the end of the log, richer than what early training rows saw)."""

    a: float = 1.0
    b: float = 0.0

    @classmethod
    def fit(cls, raw: np.ndarray, labels: np.ndarray, iterations: int = 50, prior: float = 0.0) -> Platt:
        """Maximum likelihood, or with ``prior`` > 0 maximum a posteriori under a Gaussian prior
        of that precision centred on the identity (a = 1, b = 0): the scores are a log-loss-trained
        model's, calibrated to start with, so a slice of a few thousand impressions (whose click rate
        strays by ±0.02 by chance) moves them only as far as its evidence outweighs the prior. The
        data's weight on ``b`` is Σ p(1 − p): about 600 on 3,000 impressions at a 70 % click rate."""
        x = _logit(raw)
        y = np.asarray(labels, dtype=np.float64)
        a, b = 1.0, 0.0
        for _ in range(iterations):  # Newton's method on the (convex) penalised log loss
            p = 1.0 / (1.0 + np.exp(-(a * x + b)))
            w = np.maximum(p * (1 - p), 1e-9)
            gradient = np.array([np.dot(p - y, x) + prior * (a - 1.0), np.sum(p - y) + prior * b])
            hessian = np.array([[np.dot(w, x * x), np.dot(w, x)], [np.dot(w, x), np.sum(w)]])
            hessian += np.eye(2) * (prior + 1e-6)
            step = np.linalg.solve(hessian, gradient)
            a, b = a - step[0], b - step[1]
            if np.abs(step).max() < 1e-8:
                break
        return cls(float(a), float(b))

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        out = 1.0 / (1.0 + np.exp(-(self.a * _logit(raw) + self.b)))
        return np.clip(out, EPS, 1 - EPS)

    def to_json(self) -> dict[str, float]:
        return {"a": self.a, "b": self.b}

    @classmethod
    def from_json(cls, data: dict[str, float]) -> Platt:
        return cls(float(data["a"]), float(data["b"]))


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=np.float64), EPS, 1 - EPS)
    return np.log(q / (1 - q))


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (ties count half); NaN when only one class is present."""
    labels = np.asarray(labels, dtype=bool)
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    from scipy.stats import rankdata  # scipy.stats takes ~1 s to import: only where an AUC is computed

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


def ece_noise_floor(probabilities: np.ndarray, bins: int = 10, draws: int = 200, seed: int = 0) -> float:
    """The ECE a perfectly calibrated model would still show on these predictions: the mean ECE
    over ``draws`` label sets drawn as Bernoulli(prediction). Each bin's click rate is a binomial
    proportion, so on a few thousand impressions it strays by ±0.02 from its mean prediction even
    when nothing is wrong; an ECE at this floor says "calibrated as far as this sample can tell"."""
    p = np.asarray(probabilities, dtype=np.float64)
    if len(p) == 0:
        return float("nan")
    rng = np.random.default_rng(seed)
    return float(np.mean([ece(rng.random(len(p)) < p, p, bins) for _ in range(draws)]))


def report(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    return {
        "auc": auc(labels, probabilities),
        "logloss": logloss(labels, probabilities),
        "ece": ece(labels, probabilities),
    }
