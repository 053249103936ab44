"""Model lifecycle: ``POST /v1/admin/reload``, ``/rollback``, ``/use-latest``,
``/models/{version}/activate``; ``GET /v1/admin/model``."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from shelfwise.api.deps import Engine, json_response, require
from shelfwise.api.schemas import ModelPublic
from shelfwise.service.fairness import latest_report

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[require("admin")])


@router.get("/reports/fairness")
async def fairness(engine: Engine) -> Response:
    """The latest fairness and exposure report (``shelfwise evaluate --fairness`` writes it): HR/NDCG
    per customer group with the largest gap, exposure per brand and popularity decile, Gini."""
    return json_response(latest_report(engine.context))


@router.get("/model", response_model=ModelPublic)
async def model(engine: Engine) -> Response:
    return json_response({"version": engine.version, "previous": None})


# Loading runs in a worker thread: requests keep being answered by the old version meanwhile.
@router.post("/reload", response_model=ModelPublic)
async def reload(engine: Engine) -> Response:
    """Serve the newest good version (or the pinned one) now instead of at the next poll."""
    previous = engine.version
    return json_response({"version": await run_in_threadpool(engine.reload), "previous": previous})


@router.post("/rollback", response_model=ModelPublic)
async def rollback(engine: Engine) -> Response:
    """Pin and serve the good version before the active one (undo with /v1/admin/use-latest)."""
    previous = engine.version
    return json_response({"version": await run_in_threadpool(engine.rollback), "previous": previous})


@router.post("/use-latest", response_model=ModelPublic)
async def use_latest(engine: Engine) -> Response:
    """Remove the pin: serve the newest good version again and follow new trainings."""
    previous = engine.version
    return json_response({"version": await run_in_threadpool(engine.use_latest), "previous": previous})


@router.post("/models/{version}/activate", response_model=ModelPublic)
async def activate(engine: Engine, version: str) -> Response:
    """Pin and serve ``version`` (a good version); undo with /v1/admin/use-latest."""
    previous = engine.version
    return json_response({"version": await run_in_threadpool(engine.activate, version), "previous": previous})
