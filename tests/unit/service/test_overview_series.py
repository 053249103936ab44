"""The overview's per-day series: gaps are zeros, a stray far-away timestamp does not make an axis
of millions of days, and days outside the calendar keep a label."""

from __future__ import annotations

from shelfwise.service.overview import daily_series
from shelfwise.storage.base import DailyCount


def test_days_without_events_are_zeros() -> None:
    days, by_channel, by_type = daily_series(
        [
            DailyCount(0, "web", "view", 2),
            DailyCount(2, "app", "view", 1),
            DailyCount(2, "web", "purchase", 4),
        ]
    )
    assert days == ["1970-01-01", "1970-01-02", "1970-01-03"]
    assert by_channel == {"app": [0, 0, 1], "web": [2, 0, 4]}
    assert by_type == {"purchase": [0, 0, 4], "view": [2, 0, 1]}


def test_a_stray_timestamp_far_away_keeps_only_the_days_with_events() -> None:
    far = 5_000_000  # a timestamp ~13,700 years on: beyond the calendar, and millions of days away
    days, by_channel, _ = daily_series(
        [DailyCount(20_000, "web", "view", 3), DailyCount(far, "web", "view", 1)]
    )
    assert days == ["2024-10-04", "day 5000000 after 1970-01-01"]
    assert by_channel == {"web": [3, 1]}


def test_no_events_no_days() -> None:
    assert daily_series([]) == ([], {}, {})
