"""``GET /v1/admin/online-metrics``: what each placement, model version and variant earns."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from shelfwise.api.deps import Engine, json_response, require
from shelfwise.api.schemas import OnlineMetricsPublic

router = APIRouter(prefix="/v1/admin", tags=["feedback"], dependencies=[require("admin")])


@router.get("/online-metrics", response_model=OnlineMetricsPublic)
async def online_metrics(
    engine: Engine,
    since: Annotated[
        str | None, Query(max_length=40, description="ISO date or time, or epoch seconds.")
    ] = None,
    until: Annotated[str | None, Query(max_length=40, description="End (exclusive), same forms.")] = None,
    by: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Comma-separated: placement, model_version, variant, day (default all).",
        ),
    ] = None,
) -> Response:
    """Requests, impressions, clicks, CTR, carts, purchases, conversion, revenue and revenue per 1,000
    impressions, each rate with a 95 % interval (docs/feedback.md)."""
    return json_response(engine.online_metrics(since, until, by))
