"""The running experiments a server follows, with every model version their variants need loaded.

``ExperimentRouter`` is the server's one answer to "which version answers this request": for a
placement under a running experiment, the variant the customer is assigned to (salted hash of the
*customer* id, so every account and channel of one person sees the same variant); otherwise the
served version. The set is replaced whole on every change (one reference swap, like the served
model), so a request sees either the old or the new set of experiments, never half of one.

With exploration on, the variant's list is fetched with a pool of spare candidates and a share
of slots is filled from it (``experiments.exploration``); the list carries each slot's propensity.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Generic, Protocol, TypeVar

from shelfwise.experiments.assignment import assign
from shelfwise.experiments.exploration import explore, pool_size
from shelfwise.service.pipeline import RankedList
from shelfwise.storage.base import ExperimentRecord


class _Versioned(Protocol):
    version: str


M = TypeVar("M", bound=_Versioned)


@dataclass(frozen=True)
class LiveExperiment(Generic[M]):
    record: ExperimentRecord
    models: dict[str, M]  # variant → its loaded version


@dataclass(frozen=True)
class Route(Generic[M]):
    model: M
    experiment: LiveExperiment[M] | None = None
    variant: str | None = None

    def fetch(self, k: int) -> int:
        """How many items to ask the model for: ``k``, plus the exploration pool when exploring."""
        exploring = self.experiment is not None and self.experiment.record.exploration > 0
        return k + pool_size(k) if exploring else k


class ExperimentRouter(Generic[M]):
    def __init__(self) -> None:
        self.running: dict[str, LiveExperiment[M]] = {}  # placement → experiment
        self._rng = random.Random()

    def models(self) -> list[M]:
        return [m for live in self.running.values() for m in live.models.values()]

    def loaded(self, version: str) -> M | None:
        return next((m for m in self.models() if m.version == version), None)

    def follow(self, records: Iterable[ExperimentRecord], model_of: Callable[[str], M]) -> list[M]:
        """Serve exactly ``records`` (the running experiments); ``model_of`` gives a loaded version
        (reused or loaded now). Returns the models no experiment uses any more."""
        before = self.models()
        running = {}
        for record in records:
            models = {variant: model_of(version) for variant, version in record.variants.items()}
            running[record.placement] = LiveExperiment(record, models)
        self.running = running  # the swap
        kept = {id(m) for m in self.models()}
        return [m for m in {id(m): m for m in before}.values() if id(m) not in kept]

    def route(self, placement: str, subject: str | None, served: M) -> Route[M]:
        """``subject``: the customer id (or, unknown, the user id); None: no one to assign."""
        live = self.running.get(placement)
        if live is None or subject is None:
            return Route(served)
        variant = assign(live.record.salt, subject, live.record.traffic)
        return Route(live.models[variant], live, variant)

    def stamp(self, ranked: RankedList, route: Route[M], k: int) -> RankedList:
        """The list as shown: the experiment and variant, and with exploration the explored slots."""
        if route.experiment is None:
            return ranked
        record = route.experiment.record
        if record.exploration <= 0:
            return replace(ranked, experiment=record.name, variant=route.variant)
        items, propensities = explore(ranked.items, k, record.exploration, self._rng)
        return replace(
            ranked,
            items=tuple(items),
            experiment=record.name,
            variant=route.variant,
            propensities=tuple(propensities),
        )
