"""Online metrics with known answers: counts, rates, intervals and grouping."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shelfwise.domain import Impression, Outcome
from shelfwise.errors import ValidationError
from shelfwise.evaluation.intervals import ratio_interval, wilson
from shelfwise.feedback.metrics import online_metrics, parse_group_fields
from shelfwise.service.online_metrics import online_metrics_report
from shelfwise.storage import open_store

DEC1 = datetime(2026, 12, 1, 10, tzinfo=UTC).timestamp()
DEC2 = DEC1 + 86_400


def _shown(
    request_id: str, items: str, ts: float, version: str | None, variant: str | None, origin: str = "server"
):
    return [
        Impression(
            request_id,
            item,
            pos,
            "home",
            ts,
            "u",
            "c",
            version,
            "e" if variant else None,
            variant,
            origin=origin,
        )
        for pos, item in enumerate(items)
    ]


def _earned(event_id: str, type_: str, request_id: str, item_id: str, revenue: float = 0.0) -> Outcome:
    return Outcome(event_id, type_, request_id, item_id, 0, "home", DEC1 + 60, "c", revenue=revenue)


IMPRESSIONS = [
    *_shown("r1", "abc", DEC1, "v1", "control"),
    *_shown("r2", "ab", DEC1 + 5, "v1", "control"),
    *_shown("r1", "a", DEC1 + 1, "v1", "control", origin="client"),  # the same slot, seen: counted once
    *_shown("r3", "a", DEC2, "v2", "treatment"),
    *_shown("r4", "x", DEC2, None, None, origin="client"),  # only the front end logged this list
]
OUTCOMES = [
    _earned("e1", "click", "r1", "a"),
    _earned("e2", "click", "r1", "a"),  # the same slot clicked twice: one clicked impression
    _earned("e3", "add_to_cart", "r1", "a"),
    _earned("e4", "purchase", "r1", "a", revenue=10.0),
    _earned("e5", "click", "r2", "b"),
    _earned("e6", "click", "r9", "z"),  # its impression is not among those measured
]


def test_rows_per_placement_version_variant_and_day() -> None:
    rows = [r.as_dict() for r in online_metrics(IMPRESSIONS, OUTCOMES)]
    assert [(r["model_version"], r["variant"], r["day"]) for r in rows] == [
        (None, None, "2026-12-02"),
        ("v1", "control", "2026-12-01"),
        ("v2", "treatment", "2026-12-02"),
    ]
    control = rows[1]
    counts = {k: control[k] for k in ("requests", "impressions", "clicks", "carts", "purchases", "revenue")}
    assert counts == {
        "requests": 2,
        "impressions": 5,
        "clicks": 2,
        "carts": 1,
        "purchases": 1,
        "revenue": 10.0,
    }
    assert control["ctr"] == pytest.approx(0.4) and control["conversion"] == pytest.approx(0.2)
    assert control["ctr_ci95"] == pytest.approx(wilson(2, 5).as_list())
    assert control["cart_rate_ci95"] == pytest.approx(wilson(1, 5).as_list())
    assert control["revenue_per_mille"] == pytest.approx(2000.0)
    assert control["revenue_per_mille_ci95"] == pytest.approx(ratio_interval([10, 0], [3, 2], 1000).as_list())
    assert rows[2]["revenue_per_mille_ci95"] == [None, None]  # one request: no spread to measure


def test_grouping_by_fewer_fields_merges_rows() -> None:
    (home,) = online_metrics(IMPRESSIONS, OUTCOMES, parse_group_fields("placement"))
    assert home.group == {"placement": "home"}
    assert (home.requests, home.impressions, home.clicks, home.purchases) == (4, 7, 2, 1)


def test_group_fields_are_checked_and_ordered() -> None:
    assert parse_group_fields("variant, placement") == ("placement", "variant")
    assert (
        parse_group_fields(None) == parse_group_fields("") == ("placement", "model_version", "variant", "day")
    )
    with pytest.raises(ValidationError) as caught:
        parse_group_fields("placement,colour")
    assert caught.value.field == "by" and "colour" in str(caught.value)


def test_the_report_reads_the_store_from_a_date() -> None:
    store = open_store("memory://")
    store.append_impressions(IMPRESSIONS)
    store.record_outcomes(OUTCOMES)
    report = online_metrics_report(store, since="2026-12-02", by="model_version")
    assert report["by"] == ["model_version"] and report["since"] == DEC2 - 10 * 3600
    assert [(r["model_version"], r["impressions"], r["clicks"]) for r in report["rows"]] == [
        (None, 1, 0),
        ("v2", 1, 0),
    ]
    with pytest.raises(ValidationError) as caught:
        online_metrics_report(store, since="yesterday")
    assert caught.value.field == "since"
    store.close()
