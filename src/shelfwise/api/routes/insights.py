"""What the merchant's dashboard plots, as JSON: ``GET /v1/admin/overview``, ``/search-insights``,
``/data-quality`` and ``/models`` (every version with offline metrics, curves and feature gains)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from shelfwise.api.deps import Engine, json_response, require
from shelfwise.service.data_quality import data_quality
from shelfwise.service.models import ModelService
from shelfwise.service.overview import OverviewService
from shelfwise.service.search_insights import search_insights

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[require("admin")])


def overview_service(request: Request) -> OverviewService:
    """The app's one overview service: it keeps the coverage of the served version between calls."""
    return request.app.state.overview


@router.get("/overview")
async def overview(request: Request) -> Response:
    """Events per day by channel and type, active and multichannel customers, catalog coverage of
    the served model's home lists, the served version."""
    return json_response(overview_service(request).overview().as_dict())


@router.get("/search-insights")
async def search_log(engine: Engine) -> Response:
    """Top queries, queries that showed nothing, queries with the lowest click-through."""
    return json_response(search_insights(engine.context.store).as_dict())


@router.get("/data-quality")
async def quality(engine: Engine) -> Response:
    """Rejected rows by reason, flagged suspicious accounts, identity merges held back."""
    return json_response(data_quality(engine.context).as_dict())


@router.get("/models")
async def models(engine: Engine) -> Response:
    """Every model version, newest first, and which one is served (``active``) or pinned."""
    service = ModelService(engine.context)
    return json_response(
        {
            "served": engine.version,
            "pinned": service.pinned(),
            "versions": [v.as_dict() for v in service.details()],
        }
    )
