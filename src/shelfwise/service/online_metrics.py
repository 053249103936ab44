"""Use case: online metrics over the feedback log — one function behind ``shelfwise online-metrics``
and ``GET /v1/admin/online-metrics``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shelfwise.feedback.attribution import CLOCK_SLACK_SECONDS
from shelfwise.feedback.metrics import online_metrics, parse_group_fields
from shelfwise.ingest.records import parse_timestamp
from shelfwise.storage.base import FeedbackStore


def online_metrics_report(
    store: FeedbackStore,
    since: str | float | None = None,
    until: str | float | None = None,
    by: str | Sequence[str] | None = None,
) -> dict[str, Any]:
    """Metrics of the impressions shown in ``[since, until)`` (ISO date or time, or epoch seconds) and
    the outcomes credited to them, grouped ``by`` (default placement, model_version, variant, day).
    Bad input raises ``ValidationError`` naming the field."""
    fields = parse_group_fields(by)
    start = None if since is None else parse_timestamp(since, "since")
    end = None if until is None else parse_timestamp(until, "until")
    impressions = store.iter_impressions(since=start, until=end)
    # A credit may be stamped a little before its impression (clocks): read outcomes from then on.
    outcomes = store.iter_outcomes(since=None if start is None else start - CLOCK_SLACK_SECONDS)
    rows = online_metrics(impressions, outcomes, fields)
    return {"since": start, "until": end, "by": list(fields), "rows": [row.as_dict() for row in rows]}
