"""Columns and row converters of the feedback tables (``impressions``, ``outcomes``; migration 0005,
``impressions.source_rank``: 0009),
shared by the SQLite and PostgreSQL stores so both read and write the same fields in one order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shelfwise.domain import Impression, Outcome

IMPRESSION_COLUMNS = (
    "request_id, item_id, position, placement, ts, user_id, customer_id, model_version, experiment, variant, "
    "propensity, origin, source_rank"
)
IMPRESSION_FIELDS = IMPRESSION_COLUMNS.count(",") + 1
OUTCOME_COLUMNS = (
    "event_id, type, request_id, item_id, position, placement, ts, customer_id, model_version, experiment, "
    "variant, revenue"
)


def impression_row(imp: Impression) -> tuple[Any, ...]:
    return (
        imp.request_id, imp.item_id, imp.position, imp.placement, imp.timestamp, imp.user_id, imp.customer_id,
        imp.model_version, imp.experiment, imp.variant, imp.propensity, imp.origin,
        imp.source_rank,
    )  # fmt: skip


def impression_from_row(row: Sequence[Any]) -> Impression:
    return Impression(
        request_id=row[0], item_id=row[1], position=int(row[2]), placement=row[3], timestamp=row[4],
        user_id=row[5], customer_id=row[6], model_version=row[7], experiment=row[8], variant=row[9],
        propensity=row[10], origin=row[11], source_rank=None if row[12] is None else int(row[12]),
    )  # fmt: skip


def outcome_row(out: Outcome) -> tuple[Any, ...]:
    return (
        out.event_id, out.type, out.request_id, out.item_id, out.position, out.placement, out.timestamp,
        out.customer_id, out.model_version, out.experiment, out.variant, out.revenue,
    )  # fmt: skip


def outcome_from_row(row: Sequence[Any]) -> Outcome:
    return Outcome(
        event_id=row[0], type=row[1], request_id=row[2], item_id=row[3], position=int(row[4]), placement=row[5],
        timestamp=row[6], customer_id=row[7], model_version=row[8], experiment=row[9], variant=row[10],
        revenue=float(row[11]),
    )  # fmt: skip


def time_clauses(since: float | None, until: float | None, mark: str) -> tuple[list[str], list[Any]]:
    """WHERE clauses for ``since <= ts < until`` with the backend's parameter ``mark``."""
    clauses: list[str] = []
    params: list[Any] = []
    if since is not None:
        clauses.append(f"ts >= {mark}")
        params.append(since)
    if until is not None:
        clauses.append(f"ts < {mark}")
        params.append(until)
    return clauses, params
