"""Interval functions against values computed by hand (and published tables)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shelfwise.evaluation.intervals import Interval, mean_interval, ratio_interval, wilson, z_value


def test_z_value_of_common_levels() -> None:
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_value(0.90) == pytest.approx(1.644854, abs=1e-6)
    with pytest.raises(ValueError):
        z_value(1.0)


def test_wilson_matches_the_published_values() -> None:
    # Newcombe (1998), table I: 81/263 -> 0.2553 to 0.3662; 15/148 -> 0.0624 to 0.1605.
    assert wilson(81, 263).as_list() == pytest.approx([0.2553, 0.3662], abs=1e-4)
    assert wilson(15, 148).as_list() == pytest.approx([0.0624, 0.1605], abs=1e-4)
    # At 0 or n successes one bound is exact, the other is z^2 / (n + z^2) away.
    z2 = z_value() ** 2
    assert wilson(0, 10).as_list() == pytest.approx([0.0, z2 / (10 + z2)])
    assert wilson(10, 10).as_list() == pytest.approx([10 / (10 + z2), 1.0])
    assert wilson(0, 0) == Interval(0.0, 1.0)
    with pytest.raises(ValueError):
        wilson(3, 2)


def test_mean_interval_is_mean_plus_minus_z_standard_errors() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 5.0]  # mean 3, sample sd sqrt(2.5)
    half = z_value() * math.sqrt(2.5) / math.sqrt(5)
    assert mean_interval(values).as_list() == pytest.approx([3 - half, 3 + half])
    assert math.isnan(mean_interval([7.0]).low)


def test_ratio_interval_by_the_delta_method_over_clusters() -> None:
    revenue = np.array([10.0, 0.0, 5.0, 0.0])
    impressions = np.array([5.0, 5.0, 5.0, 5.0])
    # R = 15 / 20 = 0.75; residuals 6.25, -3.75, 1.25, -3.75 -> sum of squares 68.75
    variance = 4 / 3 * 68.75 / 400
    half = z_value() * math.sqrt(variance)
    got = ratio_interval(revenue, impressions, scale=1000.0)
    assert got.as_list() == pytest.approx([1000 * (0.75 - half), 1000 * (0.75 + half)])
    assert got.contains(750.0)
    # Equal per-impression revenue in every cluster: no spread, a zero-width interval at the ratio.
    flat = ratio_interval([2.0, 4.0], [1.0, 2.0])
    assert flat.as_list() == pytest.approx([2.0, 2.0])
    assert math.isnan(ratio_interval([1.0], [1.0]).low)
    with pytest.raises(ValueError):
        ratio_interval([1.0, 2.0], [1.0])
