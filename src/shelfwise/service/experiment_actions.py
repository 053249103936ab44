"""Experiment writes as a running server makes them (the API's routes and the dashboard's forms):
the store change, then this server's routing follows at once instead of at its next sync."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from shelfwise.service.experiments import ExperimentService
from shelfwise.service.serving import ServingEngine
from shelfwise.storage.base import ExperimentRecord


def create_experiment(
    engine: ServingEngine,
    name: str,
    placement: str,
    variants: Sequence[tuple[str, str]],
    traffic: Sequence[float] | None = None,
    exploration: float = 0.0,
    stages_off: Mapping[str, Sequence[str]] | None = None,
) -> ExperimentRecord:
    created = ExperimentService(engine.context).create(
        name, placement, variants, traffic, exploration, stages_off
    )
    engine.experiments_changed()
    return created


def stop_experiment(engine: ServingEngine, name: str) -> ExperimentRecord:
    ended = ExperimentService(engine.context).stop(name)
    engine.experiments_changed()
    return ended


def ship_experiment(engine: ServingEngine, name: str, variant: str | None = None) -> ExperimentRecord:
    shipped = ExperimentService(engine.context).ship(name, variant)
    engine.reload()  # the pinned winner is most likely loaded already, by the experiment
    engine.experiments_changed()
    return shipped
