"""The experiment side of the serving engine (a mixin of ``ServingEngine``): following the store's
running experiments, keeping the versions their variants need loaded, and routing a request to
its variant. Kept apart so the engine reads as lifecycle, reads and writes."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from shelfwise.domain import customer_id_for
from shelfwise.profiles import ProfileBook
from shelfwise.service.context import ServiceContext
from shelfwise.service.live_experiments import ExperimentRouter, Route
from shelfwise.storage.base import Store

if TYPE_CHECKING:
    from shelfwise.service.serving import ActiveModel

log = logging.getLogger(__name__)


class ServingExperiments:
    if TYPE_CHECKING:  # provided by ServingEngine
        _ctx: ServiceContext
        _active: ActiveModel | None
        _retired: ActiveModel | None
        _load_lock: threading.Lock
        _poller: threading.Thread | None
        profiles: ProfileBook
        generation: int  # bumped by every change a served list may depend on (served_cache)

        def _load(self, version: str) -> ActiveModel: ...
        def active(self) -> ActiveModel: ...

    experiments: ExperimentRouter[ActiveModel]
    _experiments_retired: list[ActiveModel]
    _wake: threading.Event  # set: the poller follows the store now, not at its next tick
    _poll_ctx: ServiceContext | None

    def _init_experiments(self) -> None:
        self.experiments = ExperimentRouter()
        self._experiments_retired = []
        self._wake = threading.Event()
        self._poll_ctx = None

    def _poller_store(self) -> Store:
        """The poller's own store connection (the request thread's is never shared)."""
        if self._ctx.settings.resolved_store_url() == "memory://":
            return self._ctx.store
        if self._poll_ctx is None:
            self._poll_ctx = ServiceContext(self._ctx.settings)
        return self._poll_ctx.store

    def follow_experiments(self, store: Store) -> None:
        """Serve the store's running experiments: load the versions new ones need, route their
        placements, and retire (at the next change, once requests in flight are done) the versions
        that ended ones no longer need. An experiment whose version cannot load is not served."""
        with self._load_lock:
            records, loaded = [], {}
            for record in store.list_experiments("running"):
                try:
                    for version in record.variants.values():
                        loaded[version] = loaded.get(version) or self._model_of(version)
                    records.append(record)
                except Exception:
                    log.exception("experiment %s: cannot load its versions; not serving it", record.name)
            before = _routing(self.experiments)
            unused = self.experiments.follow(records, loaded.__getitem__)
            # Cached lists name their experiment and variant. The poller follows every few
            # seconds: only an actual change may drop them.
            if _routing(self.experiments) != before:
                self.generation += 1
            for model in self._experiments_retired:
                if not self._in_use(model):
                    model.retire(self._ctx)
            self._experiments_retired = [m for m in unused if not self._in_use(m)]
        log.info("experiments served: %s", ", ".join(r.name for r in records) or "none")

    def experiments_changed(self) -> None:
        """The store's experiments changed: follow now. Here when every version they need is
        loaded already (a stop, a ship: nothing to wait for), else in the poller (a new version
        loads in the background while the old routing keeps serving)."""
        running = self._ctx.store.list_experiments("running")
        needed = {version for record in running for version in record.variants.values()}
        loaded = {
            m.version for m in (self._active, self._retired, *self.experiments.models()) if m is not None
        }
        if needed <= loaded or self._poller is None or not self._poller.is_alive():
            self.follow_experiments(self._ctx.store)
        else:
            self._wake.set()

    def _model_of(self, version: str) -> ActiveModel:
        """A loaded ``version``: the served one, one an experiment already has, or loaded now."""
        for candidate in (self._active, self._retired):
            if candidate is not None and candidate.version == version:
                return candidate
        loaded = self.experiments.loaded(version)
        if loaded is None:
            loaded = next((m for m in self._experiments_retired if m.version == version), None)
        return loaded or self._load(version)

    def _in_use(self, model: ActiveModel) -> bool:
        return model is self._active or any(model is m for m in self.experiments.models())

    def _route(self, placement: str, user_id: str | None) -> Route[ActiveModel]:
        # An unknown account is hashed by the customer id ingest will give it, so its variant does
        # not change once its first event makes it known.
        subject = (
            None if user_id is None else (self.profiles.customer_id(user_id) or customer_id_for(user_id))
        )
        return self.experiments.route(placement, subject, self.active())


def _routing(router: ExperimentRouter[ActiveModel]) -> dict[str, tuple[object, ...]]:
    """What routes requests: each placement's experiment record and its variants' loaded models."""
    return {
        placement: (live.record, tuple((variant, id(model)) for variant, model in live.models.items()))
        for placement, live in router.running.items()
    }
