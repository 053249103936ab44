"""A/B experiments between model versions: ``/v1/admin/experiments`` (GET list, POST create),
``/{name}`` (GET), ``/{name}/report``, ``/{name}/stop``, ``/{name}/ship``, and
``GET /v1/admin/experiments/estimate?version=`` (off-policy CTR on explored logs)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from shelfwise.api.deps import Engine, json_response, require
from shelfwise.api.schemas import ExperimentCreate, ExperimentShip
from shelfwise.service import experiment_actions
from shelfwise.service.experiments import ExperimentService, experiment_dict
from shelfwise.service.offpolicy import OffPolicyService
from shelfwise.service.serving import ServingEngine

router = APIRouter(prefix="/v1/admin/experiments", tags=["experiments"], dependencies=[require("admin")])


@router.get("")
async def list_experiments(engine: Engine) -> Response:
    found = ExperimentService(engine.context).list()
    return json_response({"experiments": [experiment_dict(e) for e in found]})


@router.post("", status_code=201)
async def create_experiment(engine: Engine, body: ExperimentCreate) -> Response:
    """Every server process routes the placement within seconds; this one at once."""
    created = experiment_actions.create_experiment(
        engine,
        body.name,
        body.placement,
        list(body.variants.items()),
        body.traffic,
        body.exploration,
        body.stages_off,
    )
    return json_response(experiment_dict(created), 201)


def _flushed(engine: ServingEngine) -> ServingEngine:
    """The engine once the lists it served so far are in the log (the report counts them all)."""
    if engine.impressions is not None:
        engine.impressions.flush()
    return engine


@router.get("/estimate")
async def estimate(
    engine: Engine,
    version: Annotated[str, Query(pattern=r"^v\d{4,}$", description="e.g. v0004")],
    experiment: Annotated[str | None, Query(description="Only the lists this experiment logged.")] = None,
) -> Response:
    _flushed(engine)
    return json_response(OffPolicyService(engine.context).estimate(version, experiment=experiment))


@router.get("/{name}")
async def get_experiment(engine: Engine, name: str) -> Response:
    return json_response(experiment_dict(ExperimentService(engine.context).get(name)))


@router.get("/{name}/report")
async def report(engine: Engine, name: str) -> Response:
    _flushed(engine)
    return json_response(ExperimentService(engine.context).report(name))


@router.post("/{name}/stop")
async def stop(engine: Engine, name: str) -> Response:
    return json_response(experiment_dict(experiment_actions.stop_experiment(engine, name)))


@router.post("/{name}/ship")
async def ship(engine: Engine, name: str, body: ExperimentShip | None = None) -> Response:
    return json_response(
        experiment_dict(experiment_actions.ship_experiment(engine, name, body.variant if body else None))
    )
