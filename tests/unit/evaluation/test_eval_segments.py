"""Segment buckets and per-segment metrics."""

from __future__ import annotations

import numpy as np
import pytest

from shelfwise.evaluation.segments import bucket_labels, bucketize, segment_breakdown


def test_bucket_labels_and_edges_are_inclusive() -> None:
    assert bucket_labels((2, 9)) == ["<=2", "3-9", ">=10"]
    assert bucketize(np.array([0, 2, 3, 9, 10, 50]), (2, 9)).tolist() == [
        "<=2",
        "<=2",
        "3-9",
        "3-9",
        ">=10",
        ">=10",
    ]


def test_segment_breakdown() -> None:
    ranks = np.array([1, 3, 20, 1])
    history_lengths = np.array([1, 1, 5, 12])
    target_counts = np.array([0, 15, 15, 15])
    channels = np.array(["web", "app", "web", "web"], dtype=object)
    result = segment_breakdown(ranks, history_lengths, target_counts, channels, k=10)
    assert list(result) == [
        "user_history:<=2",
        "user_history:3-9",
        "user_history:>=10",
        "target_item:<=2",
        "target_item:>=10",
        "channel:app",
        "channel:web",
    ]
    cold_users = result["user_history:<=2"]
    assert cold_users["n"] == 2
    assert cold_users["hr@10"] == 1.0
    assert cold_users["ndcg@10"] == pytest.approx((1 + 0.5) / 2)
    assert cold_users["mrr@10"] == pytest.approx((1 + 1 / 3) / 2)
    assert result["channel:web"]["hr@10"] == pytest.approx(2 / 3)
    assert result["target_item:>=10"]["n"] == 3
