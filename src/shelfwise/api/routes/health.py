"""``GET /healthz`` and ``GET /metrics`` (Prometheus text); no key needed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from shelfwise.api.deps import Engine, json_response
from shelfwise.api.metrics import CONTENT_TYPE
from shelfwise.api.schemas import HealthPublic

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthPublic)
async def healthz(engine: Engine) -> Response:
    return json_response(
        {
            "status": "ok",
            "model_version": engine.version,
            "items": len(engine.catalog),
            "customers": len(engine.profiles),
        }
    )


@router.get("/metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE)
