"""Online and experiments: CTR, conversion and revenue per placement and variant over time with
95 % intervals (the feedback log's online metrics), and A/B experiments with their reports;
create, stop and ship (the API's ``/v1/admin/online-metrics`` and ``/v1/admin/experiments``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from shelfwise.api.dashboard.common import act, done_message, gate
from shelfwise.api.dashboard.render import Chart, line_chart, render
from shelfwise.api.deps import Engine
from shelfwise.errors import ValidationError
from shelfwise.service import experiment_actions
from shelfwise.service.experiments import ExperimentService, parse_traffic
from shelfwise.service.models import ModelService
from shelfwise.service.serving import ServingEngine
from shelfwise.settings.rules import PLACEMENTS

router = APIRouter(prefix="/dashboard/online", include_in_schema=False)
PAGE = "/dashboard/online"


def _daily(rows: list[dict[str, Any]], metric: str, title: str, chart_id: str) -> Chart:
    """One line per placement over the days of the log (a day without impressions is a gap)."""
    days = sorted({row["day"] for row in rows})
    series: dict[str, list[float | None]] = {}
    for row in rows:
        series.setdefault(row["placement"] or "unknown", [None] * len(days))[days.index(row["day"])] = row[
            metric
        ]
    return line_chart(chart_id, title, days, series, metric.replace("_", " "), counts=False)  # type: ignore[arg-type]


def _experiments(engine: ServingEngine) -> list[dict[str, Any]]:
    """Each experiment (running first, then newest) with its report once it has impressions."""
    if engine.impressions is not None:
        engine.impressions.flush()  # the report counts the lists this server served a moment ago
    service = ExperimentService(engine.context)
    found = sorted(service.list(), key=lambda e: (e.status != "running", -e.created_at))
    return [{"record": e, "report": service.report(e.name)} for e in found]


@router.get("")
async def online_page(request: Request, engine: Engine) -> Response:
    if (denied := gate(request)) is not None:
        return denied
    daily = engine.online_metrics(by="placement,day")["rows"]
    return render(
        request,
        "online.html",
        "online",
        "Online & experiments",
        totals=engine.online_metrics(by="placement,variant")["rows"],
        ctr_chart=_daily(daily, "ctr", "CTR per day by placement", "ctr-by-day") if daily else None,
        conversion_chart=_daily(daily, "conversion", "Purchases per impression per day", "conversion-by-day")
        if daily
        else None,
        rpm_chart=_daily(daily, "revenue_per_mille", "Revenue per 1,000 impressions per day", "rpm-by-day")
        if daily
        else None,
        experiments=_experiments(engine),
        placements=PLACEMENTS,
        versions=[v.info.version for v in ModelService(engine.context).details() if v.info.status == "ok"],
        message=done_message(request),
    )


def _create(engine: ServingEngine):  # type: ignore[no-untyped-def]
    def run(fields: dict[str, str]) -> str:
        variants = [("control", fields.get("control", "")), ("treatment", fields.get("treatment", ""))]
        traffic = parse_traffic(fields.get("traffic") or None, len(variants))
        try:
            exploration = float(fields.get("exploration") or 0)
        except ValueError:
            raise ValidationError("a share between 0 and 0.5", field="exploration") from None
        name, placement = fields.get("name", "").strip(), fields.get("placement", "")
        return experiment_actions.create_experiment(
            engine, name, placement, variants, traffic, exploration
        ).name

    return run


@router.post("/experiments/create")
async def create(request: Request, engine: Engine) -> Response:
    return await act(request, _create(engine), "created", lambda _: PAGE)


@router.post("/experiments/stop")
async def stop(request: Request, engine: Engine) -> Response:
    return await act(
        request,
        lambda f: experiment_actions.stop_experiment(engine, f.get("name", "")).name,
        "stopped",
        lambda _: PAGE,
    )


@router.post("/experiments/ship")
async def ship(request: Request, engine: Engine) -> Response:
    def run(fields: dict[str, str]) -> str:
        variant = fields.get("variant") or None  # none named: the report's winner
        return experiment_actions.ship_experiment(engine, fields.get("name", ""), variant).name

    return await act(request, run, "shipped", lambda _: PAGE, in_thread=True)
