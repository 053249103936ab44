"""The running experiments a server follows, with every model version their variants need loaded.

``ExperimentRouter`` is the server's one answer to "which version answers this request": for a
placement under a running experiment, the variant the customer is assigned to (salted hash of the
*customer* id, so every account and channel of one person sees the same variant); otherwise the
served version. The set is replaced whole on every change (one reference swap, like the served
model), so a request sees either the old or the new set of experiments, never half of one.

With exploration on, a share of the slots of the variant's list is filled from a pool of spare
candidates (``experiments.exploration``); the list carries each slot's propensity.
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

    @property
    def exploring(self) -> bool:
        return self.experiment is not None and self.experiment.record.exploration > 0

    @property
    def stages_off(self) -> frozenset[str]:
        """The scoring stages the variant runs without (none outside an experiment)."""
        if self.experiment is None or self.variant is None:
            return frozenset()
        return frozenset(self.experiment.record.stages_off.get(self.variant, ()))


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

    def answer(self, route: Route[M], k: int, fetch: Callable[[int], RankedList]) -> RankedList:
        """The list as shown: ``fetch(k)`` (the variant's own list of ``k``) stamped with the
        experiment and variant. Exploring, the pool is the next ``2k`` items of a longer list, fetched
        separately so that the ``k`` slots a slot keeps are exactly the list served without
        exploration (rules such as diversity choose differently from a longer list)."""
        ranked = fetch(k)
        if route.experiment is None:
            return ranked
        record = route.experiment.record
        if not route.exploring:
            return replace(ranked, experiment=record.name, variant=route.variant)
        shown = {scored.item_id for scored in ranked.items}
        longer = fetch(k + pool_size(k))
        spares = [s for s in longer.items if s.item_id not in shown][: pool_size(k)]
        items, propensities = explore(
            [*ranked.items, *spares], len(ranked.items), record.exploration, self._rng
        )
        return replace(
            ranked,
            items=tuple(items),
            experiment=record.name,
            variant=route.variant,
            propensities=tuple(propensities),
            # An explored slot shows a spare at its rank in the longer list (the same source, so the
            # shown items' ranks agree): source rank and slot differ there, which is what lets the
            # click model tell the ranker's belief from the slot's examination.
            source_ranks={**longer.source_ranks, **ranked.source_ranks},
        )
