"""Models: every version with its offline metrics, the training curves and feature gains of one
version, which one is served; activate a version, roll back, follow the newest again."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from shelfwise.api.dashboard.common import act, done_message, gate
from shelfwise.api.dashboard.render import Chart, bar_chart, line_chart, render
from shelfwise.api.deps import Engine
from shelfwise.service.models import ModelService, VersionDetails

router = APIRouter(prefix="/dashboard/models", include_in_schema=False)
TOP_FEATURES = 12
# The offline metrics worth a column, in this order, when some version has them.
METRICS = ("valid_hr@10", "valid_ndcg@10", "search_ndcg@10", "search_fusion_ndcg@10")


def _curves(details: VersionDetails) -> list[Chart]:
    curves = details.manifest.curves if details.manifest else {}
    return [
        line_chart(
            f"curve-{n}",
            name,
            [str(step + 1) for step in range(len(values))],
            {name: values},
            "held-out",
            False,
        )
        for n, (name, values) in enumerate(sorted(curves.items()))
    ]


def _importances(details: VersionDetails) -> list[Chart]:
    importances = details.manifest.importances if details.manifest else {}
    charts = []
    for n, (ranker, gains) in enumerate(sorted(importances.items())):
        top = dict(sorted(gains.items(), key=lambda kv: -kv[1])[:TOP_FEATURES])
        charts.append(
            bar_chart(
                f"gains-{n}", f"Feature gains of the {ranker} (top {len(top)})", top, "total gain", False
            )
        )
    return charts


def _can_roll_back(versions: list[VersionDetails], served: str | None) -> bool:
    """A good version older than the served one exists (``versions`` are newest first)."""
    names = [v.info.version for v in versions]
    if served not in names:
        return False
    return any(v.info.status == "ok" for v in versions[names.index(served) + 1 :])


@router.get("")
async def models_page(
    request: Request, engine: Engine, version: Annotated[str, Query(max_length=40)] = ""
) -> Response:
    if (denied := gate(request)) is not None:
        return denied
    service = ModelService(engine.context)
    versions = service.details()
    wanted = version or engine.version
    selected = next((v for v in versions if v.info.version == wanted), versions[0] if versions else None)
    present = {m for v in versions if v.manifest for m in v.manifest.metrics}
    return render(
        request,
        "models.html",
        "models",
        "Models",
        versions=versions,
        served=engine.version,
        pinned=service.pinned(),
        can_roll_back=_can_roll_back(versions, engine.version),
        selected=selected,
        metric_names=[m for m in METRICS if m in present],
        curves=_curves(selected) if selected else [],
        importances=_importances(selected) if selected else [],
        message=done_message(request),
    )


@router.post("/activate")
async def activate(request: Request, engine: Engine) -> Response:
    return await act(
        request,
        lambda fields: engine.activate(fields.get("version", "")),
        "activated",
        lambda _: "/dashboard/models",
        True,
    )


@router.post("/rollback")
async def rollback(request: Request, engine: Engine) -> Response:
    return await act(request, lambda _: engine.rollback(), "rolled-back", lambda _: "/dashboard/models", True)


@router.post("/use-latest")
async def use_latest(request: Request, engine: Engine) -> Response:
    return await act(request, lambda _: engine.use_latest(), "latest", lambda _: "/dashboard/models", True)
