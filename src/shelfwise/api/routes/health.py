"""``GET /healthz``, ``GET /readyz`` and ``GET /metrics`` (Prometheus text); no key needed."""

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


@router.get("/readyz")
async def readyz(engine: Engine) -> Response:
    """200 once the served model, the live profiles and the search index are loaded; 503 before
    (``/healthz`` is liveness: it answers as soon as the process does)."""
    parts = engine.readiness()
    ready = all(parts.values())
    body = {"status": "ready" if ready else "loading", **parts, "model_version": engine.version}
    return json_response(body, 200 if ready else 503)


@router.get("/metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE)
