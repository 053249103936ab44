"""The statistics of an A/B report: relative lifts with 95 % intervals and p-values, CUPED, SRM.

- **Rates** (CTR = clicks / impressions, conversion = buying customers / customers): the p-value is
  the pooled two-proportion z-test; the interval of the relative lift ``p_t / p_c − 1`` comes from
  the delta method on the log of the ratio, ``Var(log r) ≈ Var p_t / p_t² + Var p_c / p_c²``
  (unpooled), which keeps it above −100 % and skewed like the ratio itself when counts are small.
- **Per-customer means** (revenue, clicks per customer): the same delta method for the ratio of two
  independent means, ``Var(log(m_t/m_c)) ≈ Var m_t / m_t² + Var m_c / m_c²`` (on the linear scale
  when a CUPED-adjusted mean is not positive); the p-value is the z-test of ``m_t − m_c`` (Welch
  standard error).
- **CUPED** (Deng et al. 2013): ``y − θ (x − x̄)`` with ``x`` the customer's value of the same
  metric before the experiment and ``θ = cov(x, y) / var(x)`` pooled over all variants. The mean
  is unchanged in expectation (assignment is independent of ``x``); the variance falls by the
  share ``corr(x, y)²``, which narrows the interval without biasing the lift.
- **SRM**: the chi-square goodness-of-fit of customers per variant against the configured shares.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# scipy.stats.norm.ppf(0.975), written out: scipy.stats is imported only when a p-value is
# computed (its import is ~2 s of a server's start-up through the dashboard's report pages).
Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Lift:
    """Relative lift of a treatment over the control: ``treatment / control − 1``."""

    lift: float | None  # None: the control is zero, a relative lift does not exist
    ci95: tuple[float, float] | None
    p_value: float | None  # None: no data to test


def two_proportions(hits_t: int, n_t: int, hits_c: int, n_c: int) -> Lift:
    """Lift of rate ``hits_t / n_t`` over ``hits_c / n_c`` (pooled z-test, delta-method interval)."""
    from scipy.stats import norm

    if n_t == 0 or n_c == 0:
        return Lift(None, None, None)
    p_t, p_c = hits_t / n_t, hits_c / n_c
    pooled = (hits_t + hits_c) / (n_t + n_c)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n_t + 1 / n_c))
    p_value = 1.0 if se_pooled == 0 else float(2 * norm.sf(abs(p_t - p_c) / se_pooled))
    return _ratio_lift(p_t, p_t * (1 - p_t) / n_t, p_c, p_c * (1 - p_c) / n_c, p_value)


def mean_lift(treatment: Sequence[float] | np.ndarray, control: Sequence[float] | np.ndarray) -> Lift:
    """Lift of the mean of ``treatment`` over the mean of ``control`` (one value per customer)."""
    from scipy.stats import norm

    t, c = np.asarray(treatment, dtype=float), np.asarray(control, dtype=float)
    if len(t) < 2 or len(c) < 2:
        return Lift(None, None, None)
    m_t, m_c = float(t.mean()), float(c.mean())
    var_t, var_c = float(t.var(ddof=1)) / len(t), float(c.var(ddof=1)) / len(c)
    se = math.sqrt(var_t + var_c)
    p_value = (1.0 if m_t == m_c else 0.0) if se == 0 else float(2 * norm.sf(abs(m_t - m_c) / se))
    return _ratio_lift(m_t, var_t, m_c, var_c, p_value)


def _ratio_lift(m_t: float, var_t: float, m_c: float, var_c: float, p_value: float) -> Lift:
    if m_c == 0:
        return Lift(None, None, p_value)
    ratio = m_t / m_c
    relative_var = var_c / m_c**2 + (var_t / m_t**2 if m_t != 0 else 0.0)
    if m_t > 0 and m_c > 0:  # on the log scale: the interval stays above −100 % and skews like a ratio
        spread = math.exp(Z95 * math.sqrt(relative_var))
        return Lift(ratio - 1, (ratio / spread - 1, ratio * spread - 1), p_value)
    half = Z95 * abs(ratio) * math.sqrt(relative_var)  # a zero or negative (CUPED-adjusted) mean
    return Lift(ratio - 1, (ratio - 1 - half, ratio - 1 + half), p_value)


@dataclass(frozen=True, slots=True)
class Cuped:
    adjusted: np.ndarray  # the metric minus theta × (covariate − its mean), same order as given
    theta: float
    variance_reduction: float  # 1 − Var(adjusted) / Var(metric): the share of variance removed


def cuped(metric: Sequence[float] | np.ndarray, covariate: Sequence[float] | np.ndarray) -> Cuped:
    """Adjust ``metric`` by its pre-experiment ``covariate`` (both over all customers of all variants)."""
    y, x = np.asarray(metric, dtype=float), np.asarray(covariate, dtype=float)
    var_x = float(x.var(ddof=1)) if len(x) > 1 else 0.0
    var_y = float(y.var(ddof=1)) if len(y) > 1 else 0.0
    if var_x == 0 or var_y == 0:  # nothing before the start (or no spread): nothing to remove
        return Cuped(y.copy(), 0.0, 0.0)
    theta = float(np.cov(x, y, ddof=1)[0, 1]) / var_x
    adjusted = y - theta * (x - x.mean())
    return Cuped(adjusted, theta, 1.0 - float(adjusted.var(ddof=1)) / var_y)


def srm_p_value(observed: Sequence[int], shares: Sequence[float]) -> float | None:
    """Chi-square p-value of ``observed`` counts against the configured ``shares`` (sample-ratio
    mismatch: a tiny value means the split is broken and no lift from it can be trusted)."""
    from scipy.stats import chisquare

    total = sum(observed)
    kept = [(o, s) for o, s in zip(observed, shares, strict=True) if s > 0]
    if total == 0:
        return None
    if any(o > 0 for o, s in zip(observed, shares, strict=True) if s == 0):
        return 0.0  # customers in a variant configured to get none
    if len(kept) < 2:
        return None
    weight = sum(s for _, s in kept)
    expected = [total * s / weight for _, s in kept]
    return float(chisquare([o for o, _ in kept], expected).pvalue)
