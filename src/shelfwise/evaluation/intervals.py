"""95 % (or any level) intervals for online metrics, as pure functions.

Shared by the online metrics (``shelfwise online-metrics``) and the experiment report:

* ``wilson`` for a rate (clicks / impressions, purchases / impressions): unlike the plain normal
  interval it stays inside [0, 1] and is honest at the small counts a new placement starts with.
* ``ratio_interval`` for a ratio of sums measured over clusters (revenue per 1,000 impressions,
  where one request contributes several impressions): the delta method, so impressions of one
  list are not treated as independent draws.
* ``mean_interval`` for a per-unit mean (revenue per customer).

Every function returns ``Interval(low, high)``; with no data the interval is the widest honest one
(``[0, 1]`` for a rate, ``[nan, nan]`` otherwise) rather than a number that looks measured.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_CONFIDENCE = 0.95


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    high: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def as_list(self) -> list[float]:
        return [self.low, self.high]


def z_value(confidence: float = DEFAULT_CONFIDENCE) -> float:
    """The two-sided standard-normal quantile: 1.959… for 95 %."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    from scipy.stats import norm  # ~1 s of import: only when an interval is computed

    return float(norm.ppf(0.5 + confidence / 2.0))


def wilson(successes: int, trials: int, confidence: float = DEFAULT_CONFIDENCE) -> Interval:
    """Wilson score interval of ``successes / trials``."""
    if trials < 0 or not 0 <= successes <= max(trials, 0):
        raise ValueError(f"need 0 <= successes <= trials, got {successes}/{trials}")
    if trials == 0:
        return Interval(0.0, 1.0)
    z = z_value(confidence)
    p = successes / trials
    denominator = 1.0 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    # Clamp float noise: at 0 or n successes the exact bound is 0 or 1.
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def mean_interval(values: Sequence[float] | np.ndarray, confidence: float = DEFAULT_CONFIDENCE) -> Interval:
    """Normal interval of the mean of independent ``values`` (sample standard deviation)."""
    data = np.asarray(values, dtype=float)
    if data.size < 2:  # one value says nothing about the spread
        return Interval(math.nan, math.nan)
    mean = float(data.mean())
    half = z_value(confidence) * float(data.std(ddof=1)) / math.sqrt(data.size)
    return Interval(mean - half, mean + half)


def ratio_interval(
    numerators: Sequence[float] | np.ndarray,
    denominators: Sequence[float] | np.ndarray,
    scale: float = 1.0,
    confidence: float = DEFAULT_CONFIDENCE,
) -> Interval:
    """Delta-method interval of ``scale × Σ numerators / Σ denominators`` over independent clusters.

    Each position is one cluster (e.g. one request: its revenue and its impressions). The variance
    of the ratio R is ``k / (k - 1) × Σ (xᵢ − R·yᵢ)² / (Σ yᵢ)²`` for k clusters.
    """
    x = np.asarray(numerators, dtype=float)
    y = np.asarray(denominators, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"numerators and denominators differ in length: {x.size} vs {y.size}")
    total = float(y.sum())
    if x.size < 2 or total <= 0.0:
        return Interval(math.nan, math.nan)
    ratio = float(x.sum()) / total
    residual = x - ratio * y
    variance = x.size / (x.size - 1) * float(residual @ residual) / (total * total)
    half = z_value(confidence) * math.sqrt(variance)
    return Interval(scale * (ratio - half), scale * (ratio + half))
