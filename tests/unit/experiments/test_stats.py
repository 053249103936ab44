"""The report's statistics against answers worked out by hand (and cross-checked with scipy)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2_contingency

from shelfwise.experiments.stats import cuped, mean_lift, srm_p_value, two_proportions


def test_two_proportions_lift_interval_and_p_value() -> None:
    # 6 % vs 4 %: pooled 5 %, se = sqrt(.05 × .95 × 2/1000) = .0097468, z = 2.0520
    result = two_proportions(60, 1000, 40, 1000)
    assert result.lift == pytest.approx(0.5)
    assert result.p_value == pytest.approx(0.04016, abs=1e-4)
    # the pooled z-test is the chi-square test of the 2×2 table without continuity correction
    _, chi_p, _, _ = chi2_contingency([[60, 940], [40, 960]], correction=False)
    assert result.p_value == pytest.approx(chi_p)
    # delta method on log(ratio): se = sqrt(.04·.96/1000/.04² + .06·.94/1000/.06²) = .199165,
    # 1.5 × exp(±1.96 × .199165) = 1.5 × 1.47752^±1 → lift +1.52 % … +121.6 %
    assert result.ci95 == pytest.approx((1.5 / 1.47752 - 1, 1.5 * 1.47752 - 1), abs=1e-4)


def test_two_proportions_without_data_or_with_a_zero_control() -> None:
    assert two_proportions(3, 0, 1, 10).lift is None
    zero = two_proportions(5, 100, 0, 100)
    assert zero.lift is None and zero.p_value is not None and zero.p_value < 0.05


def test_mean_lift_delta_method() -> None:
    # means 2.5 and 1; Var(mean_t) = (5/3)/4, control has no spread: z = 1.5 / 0.6455 = 2.3238
    result = mean_lift([1, 2, 3, 4], [1, 1, 1, 1])
    assert result.lift == pytest.approx(1.5)
    assert result.p_value == pytest.approx(0.02014, abs=1e-4)
    # se(log ratio) = sqrt(0 + (5/12) / 2.5²) = .258199; 2.5 × exp(±1.96 × .258199) = 2.5 × 1.658744^±1
    assert result.ci95 == pytest.approx((2.5 / 1.658744 - 1, 2.5 * 1.658744 - 1), abs=1e-4)
    assert mean_lift([1.0], [2.0, 3.0]).lift is None  # one customer has no variance


def test_cuped_theta_adjustment_and_variance_reduction() -> None:
    # x = [0,0,1,1], y = [1,2,3,4]: cov 2/3, var x 1/3 → θ = 2; adjusted [2,3,2,3]; 1 − (1/3)/(5/3) = .8
    result = cuped([1, 2, 3, 4], [0, 0, 1, 1])
    assert result.theta == pytest.approx(2.0)
    assert result.adjusted.tolist() == pytest.approx([2, 3, 2, 3])
    assert result.variance_reduction == pytest.approx(0.8)
    flat = cuped([1, 2, 3], [0, 0, 0])  # no pre-experiment behaviour: unchanged
    assert flat.theta == 0.0 and flat.adjusted.tolist() == [1, 2, 3]


def test_cuped_narrows_the_interval_around_the_true_lift() -> None:
    rng = np.random.default_rng(7)
    before = rng.gamma(2.0, 10.0, 4000)
    after = before + rng.normal(0, 5, 4000) + np.r_[np.zeros(2000), np.full(2000, 1.0)]
    adjusted = cuped(after, before).adjusted
    plain, reduced = mean_lift(after[2000:], after[:2000]), mean_lift(adjusted[2000:], adjusted[:2000])
    assert reduced.ci95[1] - reduced.ci95[0] < 0.5 * (plain.ci95[1] - plain.ci95[0])
    true_lift = 1.0 / 20.0  # +1 on a mean of 2 × 10
    assert reduced.ci95[0] < true_lift < reduced.ci95[1]
    assert abs(reduced.lift - true_lift) < abs(plain.lift - true_lift)


def test_srm_chi_square() -> None:
    assert srm_p_value([500, 500], [0.5, 0.5]) == pytest.approx(1.0)
    assert srm_p_value([550, 450], [0.5, 0.5]) == pytest.approx(0.0015654, abs=1e-6)  # χ² = 10, 1 df
    assert srm_p_value([300, 700], [0.3, 0.7]) == pytest.approx(1.0)
    assert srm_p_value([0, 0], [0.5, 0.5]) is None
    assert srm_p_value([3, 10], [0.0, 1.0]) == 0.0  # customers where nobody should be
