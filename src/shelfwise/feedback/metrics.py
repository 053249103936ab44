"""Online metrics from the feedback log, per placement × model version × variant × day (any subset).

The unit is the impression: each (request, item) shown counts once — the server's row, or the front
end's when the server logged none — and carries the outcomes credited to it, so every rate is
"impressions that earned at least one X / impressions" and stays a proportion. Outcomes are grouped
with their impression (its day, not the click's), so a click after midnight still counts against
the impression that earned it. Definitions and intervals: docs/feedback.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shelfwise.domain import Impression, Outcome
from shelfwise.errors import ValidationError
from shelfwise.evaluation.intervals import Interval, ratio_interval, wilson

GROUP_FIELDS: tuple[str, ...] = ("placement", "model_version", "variant", "day")
Key = tuple[tuple[str, str | None], ...]


def parse_group_fields(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"placement,variant"`` → the fields to group by (all four when empty), in canonical order."""
    if text is None:
        return GROUP_FIELDS
    names = [n.strip() for n in (text.split(",") if isinstance(text, str) else text) if n.strip()]
    unknown = sorted(set(names) - set(GROUP_FIELDS))
    if unknown:
        raise ValidationError(
            f"cannot group by {', '.join(unknown)} (choose from {', '.join(GROUP_FIELDS)})", "by"
        )
    return tuple(f for f in GROUP_FIELDS if f in names) or GROUP_FIELDS


@dataclass
class _Group:
    impressions: int = 0
    clicks: int = 0
    carts: int = 0
    purchases: int = 0
    revenue: float = 0.0
    per_request: dict[str, list[float]] = field(default_factory=dict)  # request id → [revenue, impressions]


@dataclass(frozen=True, slots=True)
class MetricsRow:
    group: dict[str, str | None]
    requests: int
    impressions: int
    clicks: int
    carts: int
    purchases: int
    revenue: float
    ctr: float
    ctr_ci95: Interval
    cart_rate: float
    cart_rate_ci95: Interval
    conversion: float  # purchases / impressions
    conversion_ci95: Interval
    revenue_per_mille: float  # revenue per 1,000 impressions
    revenue_per_mille_ci95: Interval

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.group)
        for name in ("requests", "impressions", "clicks", "carts", "purchases"):
            out[name] = getattr(self, name)
        out["revenue"] = round(self.revenue, 6)
        for name in ("ctr", "cart_rate", "conversion", "revenue_per_mille"):
            out[name] = getattr(self, name)
            interval: Interval = getattr(self, f"{name}_ci95")
            # No interval (a single request): null in JSON, never NaN.
            out[f"{name}_ci95"] = [None if math.isnan(v) else v for v in interval.as_list()]
        return out


def day_of(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).date().isoformat()


def online_metrics(
    impressions: Iterable[Impression], outcomes: Iterable[Outcome], by: Sequence[str] = GROUP_FIELDS
) -> list[MetricsRow]:
    """One row per group of ``by`` (sorted by group), over the impressions given and their outcomes."""
    shown = _unique_impressions(impressions)
    groups: dict[Key, _Group] = {}
    key_of: dict[tuple[str, str], Key] = {}
    for slot, impression in shown.items():
        key = tuple((name, _field(impression, name)) for name in by)
        key_of[slot] = key
        group = groups.setdefault(key, _Group())
        group.impressions += 1
        group.per_request.setdefault(impression.request_id, [0.0, 0.0])[1] += 1
    earned: dict[tuple[str, str], set[str]] = {}
    for outcome in outcomes:
        slot = (outcome.request_id, outcome.item_id)
        key = key_of.get(slot)
        if key is None:
            continue  # its impression is outside the period asked for
        group = groups[key]
        types = earned.setdefault(slot, set())
        if outcome.type not in types:
            types.add(outcome.type)
            group.clicks += outcome.type == "click"
            group.carts += outcome.type == "add_to_cart"
            group.purchases += outcome.type == "purchase"
        group.revenue += outcome.revenue
        group.per_request[outcome.request_id][0] += outcome.revenue
    return [_row(dict(key), group) for key, group in sorted(groups.items(), key=lambda kv: _sortable(kv[0]))]


def _unique_impressions(impressions: Iterable[Impression]) -> dict[tuple[str, str], Impression]:
    """One impression per (request, item): the server's row when both origins logged the slot."""
    shown: dict[tuple[str, str], Impression] = {}
    for impression in impressions:
        slot = (impression.request_id, impression.item_id)
        if slot not in shown or (impression.origin == "server" and shown[slot].origin != "server"):
            shown[slot] = impression
    return shown


def _field(impression: Impression, name: str) -> str | None:
    return day_of(impression.timestamp) if name == "day" else getattr(impression, name)


def _sortable(key: Key) -> tuple[tuple[str, str], ...]:
    return tuple((name, value or "") for name, value in key)


def _row(group_key: dict[str, str | None], group: _Group) -> MetricsRow:
    n = group.impressions
    per_request = list(group.per_request.values())
    return MetricsRow(
        group=group_key,
        requests=len(per_request),
        impressions=n,
        clicks=group.clicks,
        carts=group.carts,
        purchases=group.purchases,
        revenue=group.revenue,
        ctr=group.clicks / n,
        ctr_ci95=wilson(group.clicks, n),
        cart_rate=group.carts / n,
        cart_rate_ci95=wilson(group.carts, n),
        conversion=group.purchases / n,
        conversion_ci95=wilson(group.purchases, n),
        revenue_per_mille=1000.0 * group.revenue / n,
        revenue_per_mille_ci95=ratio_interval(
            [r[0] for r in per_request], [r[1] for r in per_request], scale=1000.0
        ),
    )
