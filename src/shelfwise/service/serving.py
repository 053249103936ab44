"""The long-lived serving engine behind ``shelfwise serve``: live state plus hot-swapped models.

It holds
- the catalog (a dict, updated by every accepted item),
- the live profiles (``shelfwise.profiles``, updated by every accepted event, forget and identity
  change: the next request sees them, no retraining),
- the active model (one ``ActiveModel`` reference: recommender, item vectors, new-item vectors,
  search and complement services of one version).

A new model version is loaded in a background thread and made active by swapping that one
reference, so requests in flight finish on the old version and the next ones use the new; a
version that fails to load is skipped and the old one keeps serving. Writes go through the store
first and touch memory only once committed, so a rejected or failed batch changes nothing.

Threading: request handlers call the engine from one thread (the event loop); the background
loader and the new-item encoder never touch the shared store connection.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shelfwise.domain import Event, Item, ScoredItem
from shelfwise.encoders import encoder_of_version
from shelfwise.errors import ModelError, NotFoundError, ShelfwiseError
from shelfwise.profiles import CustomerProfile, ProfileBook
from shelfwise.profiles.snapshot import newest_snapshot, resume
from shelfwise.service.context import ServiceContext
from shelfwise.service.fresh_items import FreshItems
from shelfwise.service.impression_log import ImpressionLogger
from shelfwise.service.lists import ListService, LiveState
from shelfwise.service.online_metrics import online_metrics_report
from shelfwise.service.pipeline import RankedList, new_request_id
from shelfwise.service.served import ServedModel, load_served
from shelfwise.service.served_cache import CachedList, Freshness, ServedListCache
from shelfwise.service.serving_experiments import ServingExperiments
from shelfwise.service.serving_writes import MAX_WAITING, ServingWrites, known_item
from shelfwise.service.threads import limit_numeric_threads
from shelfwise.storage import open_store

log = logging.getLogger(__name__)

WARM_DELAY_SECONDS = 3.0  # a new model's SASRec traces start this long after it is loaded


def _warm_after_start(warm: Callable[[threading.Event], None], stop: threading.Event) -> None:
    """Trace once start-up is over: tracing holds the interpreter for long stretches, and run beside
    the rest of start-up it delayed ``/readyz`` by ~0.5 s on Beauty (4.91 → 5.48 s, same minutes).
    Requests meanwhile run the eager network, which answers bit for bit the same."""
    if not stop.wait(WARM_DELAY_SECONDS):
        warm(stop)


@dataclass
class ActiveModel:
    version: str
    lists: ListService  # every ranked list of this version, through the one request pipeline
    fresh: FreshItems | None  # vectors of items newer than the version, encoded in the background
    side_context: ServiceContext  # search's own store connection (it refreshes from another thread)
    loaded_at: float = field(default_factory=time.time)
    retired: bool = False  # a version both served and in an experiment may be let go twice
    warming: threading.Thread | None = None  # the model's background warm-up (SASRec traces)
    stop_warming: threading.Event = field(default_factory=threading.Event)

    def retire(self, main: ServiceContext) -> None:
        if self.retired:
            return
        self.retired = True
        self.stop_warming.set()
        if self.warming is not None:  # a thread still tracing when the process exits aborts it
            self.warming.join(timeout=30)
        if self.fresh is not None:
            self.fresh.close()
        # The search cache may have been opened by the request thread: garbage collection closes it.
        with contextlib.suppress(sqlite3.ProgrammingError):
            self.lists.close()
        if self.side_context is not main:
            self.side_context.close()


class ServingEngine(ServingExperiments, ServingWrites):
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx
        self._settings = ctx.settings.serve
        self.catalog: dict[str, Item] = {}
        self.profiles = ProfileBook(self._settings.profile_max_items)
        self._active: ActiveModel | None = None
        self._retired: ActiveModel | None = None
        self._load_lock = threading.Lock()  # one model load at a time
        self._failed_versions: set[str] = set()
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None
        self._change_seq = 0
        self._items_checked_at = 0.0
        self._item_stamps: dict[str, float] = {}  # item id → updated_at of the version in the catalog
        self.started_at = 0.0
        self.on_swap: list[Callable[[str], None]] = []
        self.generation = 0  # bumped by every change a cached served list may depend on (served_cache)
        self._init_experiments()  # running A/B experiments and their versions (serving_experiments)
        self.impressions: ImpressionLogger | None = None  # started by start() unless turned off
        self._waiting: deque[tuple[float, str, Event]] = deque(maxlen=MAX_WAITING)  # (deadline, key, event)
        self._waiting_tried_at = 0.0
        self.served_lists = ServedListCache(self._settings.served_list_cache_lists)

    @property
    def context(self) -> ServiceContext:
        return self._ctx

    # ------------------------------------------------------------------ lifecycle
    def start(self, poll: bool = True) -> None:
        # Start-up creates millions of long-lived objects (profiles, index rows, the model): the
        # cyclic collector would run dozens of full passes over them while they are being built
        # (~30 % of the profile load). Paused meanwhile, then everything built is frozen out of
        # its generations, so later passes (during requests) no longer walk it. No full collection
        # first: on Beauty it found ~7k unreachable objects (a few hundred kB, then kept for good)
        # and cost 0.7 s of the start-up.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._start(poll)
        finally:
            gc.freeze()
            if collecting:
                gc.enable()

    def _start(self, poll: bool) -> None:
        limit_numeric_threads(self._ctx.settings.threads)  # on the thread that serves (see threads)
        store = self._ctx.store
        changes = store.changes_after(0)
        self._change_seq = changes[-1].seq if changes else 0  # the profiles below already reflect them
        self._items_checked_at = time.time()
        for updated_at, item in store.items_updated_since(0.0):
            self.catalog[item.item_id] = item
            self._item_stamps[item.item_id] = updated_at
        self.profiles = self._load_profiles()
        try:
            self.reload()
        except ModelError as exc:
            log.warning("serving without a model until one is trained: %s", exc)
        self.follow_experiments(store)
        if self._ctx.settings.feedback.log_impressions:
            self.impressions = self._impression_logger()
            self.impressions.start()
        if poll and self._settings.reload_poll_seconds > 0:
            self._poller = threading.Thread(target=self._poll, name="model-poller", daemon=True)
            self._poller.start()
        self.started_at = time.time()

    def _load_profiles(self) -> ProfileBook:
        """From the newest trained version's profile snapshot plus the events, forgets and identity
        changes after it; from every stored event when there is no usable snapshot."""
        store, max_items = self._ctx.store, self._settings.profile_max_items
        path = newest_snapshot(self._ctx.models)
        resumed = resume(store, path, max_items) if path is not None else None
        if resumed is not None:
            log.info("profiles from %s plus %d newer events", path, resumed.tail_events)
            return resumed
        return ProfileBook.load(store, None, max_items)

    def _impression_logger(self) -> ImpressionLogger:
        """The writer thread gets its own store connection (an in-memory store cannot: it shares)."""
        feedback = self._ctx.settings.feedback
        url = self._ctx.settings.resolved_store_url()
        shared = url == "memory://"
        return ImpressionLogger(
            (lambda: self._ctx.store) if shared else (lambda: open_store(url)),
            feedback.impression_batch_size,
            feedback.impression_flush_seconds,
            feedback.impression_buffer_max,
            owns_store=not shared,
        )

    def stop(self) -> None:
        if self.impressions is not None:
            self.impressions.stop()  # writes every list served so far
        self._stop.set()
        self._wake.set()
        if self._poller is not None:
            self._poller.join(timeout=5)
        generations = [self._active, self._retired, *self.experiments.models(), *self._experiments_retired]
        for generation in {id(g): g for g in generations if g is not None}.values():
            generation.retire(self._ctx)
        if self._poll_ctx is not None:
            self._poll_ctx.close()

    def _poll(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._settings.reload_poll_seconds)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.reload()
            except ShelfwiseError as exc:
                log.debug("model poll: %s", exc)
            except Exception:  # the poller must survive anything a broken artifact throws
                log.exception("model poll failed")
            try:
                self.follow_experiments(self._poller_store())
            except Exception:
                log.exception("following the experiments failed")

    @property
    def version(self) -> str | None:
        active = self._active
        return None if active is None else active.version

    def readiness(self) -> dict[str, bool]:
        """What ``/readyz`` reports: the served model, the live profiles and the search index are
        loaded (start() finished; the search index is built at the model load, in the loader)."""
        active = self._active
        return {
            "profiles": self.started_at > 0,
            "model": active is not None,
            "search_index": active is not None and active.lists.search_source.built,
        }

    def active(self) -> ActiveModel:
        active = self._active
        if active is None:
            raise ModelError("no trained model yet: run `shelfwise train`")
        return active

    def reload(self, force: bool = False) -> str:
        """Serve the active version (pin or newest good); loads it first if it is not served yet."""
        with self._load_lock:
            wanted = self._ctx.models.active_version()
            current = self._active
            if current is not None and current.version == wanted and not force:
                return wanted
            if wanted in self._failed_versions and not force:
                return current.version if current else wanted
            try:
                loaded = self.experiments.loaded(wanted) or self._load(wanted)
            except Exception as exc:
                self._failed_versions.add(wanted)
                log.exception("cannot load model %s; still serving %s", wanted, current and current.version)
                raise ModelError(f"cannot load model {wanted}: {exc}") from exc
            self._active = loaded  # the swap: one reference
            self.generation += 1
            # Requests that started on the old version may still be running: it is retired
            # (connections closed) only at the next swap.
            if self._retired is not None and not self._in_use(self._retired):
                self._retired.retire(self._ctx)
            self._retired = current
        for callback in self.on_swap:
            callback(loaded.version)
        log.info("serving model %s", loaded.version)
        return loaded.version

    def rollback(self) -> str:
        self._ctx.models.rollback()
        return self.reload()

    def use_latest(self) -> str:
        self._ctx.models.use_latest()
        return self.reload()

    def activate(self, version: str) -> str:
        """Pin ``version`` (it must be a good version) and serve it now."""
        if not self._ctx.models.is_good(version):  # a name the store never had is the caller's mistake
            raise NotFoundError(f"no good model version {version!r}")
        self._ctx.models.pin(version)
        return self.reload()

    def _load(self, version: str) -> ActiveModel:
        """Load ``version`` and warm it up here, in the loader thread, so the first request after
        the swap is not slow. Search gets its own store connection: this thread never shares one
        with the request path (an in-memory store cannot, so it shares the main one)."""
        served = load_served(self._ctx.models, version)
        served.recommender  # noqa: B018 - reads the next-item model now, in this thread
        limit_numeric_threads(self._ctx.settings.threads)  # torch may have loaded just now
        fresh = self._fresh_items(served)
        shared = self._ctx.settings.resolved_store_url() == "memory://"
        side = self._ctx if shared else ServiceContext(self._ctx.settings)
        lists = ListService(
            self._ctx, version, LiveState(self.profiles, self.catalog, fresh), search_ctx=side
        )
        lists.__dict__["served"] = served  # already loaded
        if fresh is not None:  # new items get complements (and give them) from their text
            fresh.subscribe(lists.complement_source.add_new_items)
        try:
            lists.search_source.engine()
            # Its embedding cache's SQLite handle belongs to this thread; closing it here lets the
            # request thread reopen its own on first use.
            lists.search_source.close()
        except Exception:  # search must not keep the recommender from serving
            log.exception("search unavailable with model %s", version)
        lists.recommend("__warmup__", 1)
        model = ActiveModel(version, lists, fresh, side)
        warm = getattr(served.recommender, "warm_traces", None)
        if callable(warm):  # traced SASRec for requests, built off the request path
            model.warming = threading.Thread(
                target=_warm_after_start, args=(warm, model.stop_warming), name="model-traces", daemon=True
            )
            model.warming.start()
        return model

    def _fresh_items(self, served: ServedModel) -> FreshItems | None:
        """The new-item encoder of ``served`` (its own text encoder), fed the catalog items it lacks."""
        name = served.encoder_name
        if served.embeddings is None or not name:
            return None
        settings = self._ctx.settings.encoders
        fresh = FreshItems(
            lambda: encoder_of_version(name, settings),
            settings.resolved_embedding_cache_dir(),
            served.embeddings.shape[1],
        )
        fresh.submit(
            [item for item_id, item in list(self.catalog.items()) if not known_item(served.index, item_id)]
        )
        return fresh

    # ------------------------------------------------------------------ reads
    def customer_id(self, id_or_user: str) -> str:
        customer = self.profiles.customer_id(id_or_user)
        if customer is None:
            raise NotFoundError(f"no customer or account {id_or_user!r}")
        return customer

    def profile(self, id_or_user: str) -> CustomerProfile:
        profile = self.profiles.get(id_or_user)
        if profile is None:
            raise NotFoundError(f"no customer or account {id_or_user!r}")
        return profile

    def accounts(self, customer_id: str) -> list[tuple[str, str | None]]:
        return [(a.user_id, a.channel) for a in self._ctx.store.accounts_of_customer(customer_id)]

    def online_metrics(
        self, since: str | None = None, until: str | None = None, by: str | None = None
    ) -> dict[str, Any]:
        """Online metrics over the feedback log, this server's latest lists included."""
        if self.impressions is not None:
            self.impressions.flush()
        return online_metrics_report(self._ctx.store, since, until, by)

    def item(self, item_id: str) -> Item:
        item = self.catalog.get(item_id)
        if item is None:
            raise NotFoundError(f"no item {item_id!r}")
        return item

    def recommend(
        self, user_id: str, k: int = 10, exclude: Sequence[str] = (), placement: str | None = None
    ) -> RankedList:
        """Next items for a user or customer; unknown ids get the cold-start answer (trending).
        Under an experiment on the placement, the customer's variant answers."""
        return self._recommend(user_id, k, exclude, placement)[0]

    def recommend_body(
        self,
        user_id: str,
        k: int,
        exclude: Sequence[str],
        placement: str | None,
        encode: Callable[[RankedList], bytes],
    ) -> bytes:
        """``recommend``, encoded by ``encode``: a repeated request splices its new request id
        into the body cached with its list instead of encoding it again (served_cache)."""
        ranked, cached = self._recommend(user_id, k, exclude, placement)
        return encode(ranked) if cached is None else cached.encoded(ranked, encode)

    def _recommend(
        self, user_id: str, k: int, exclude: Sequence[str], placement: str | None
    ) -> tuple[RankedList, CachedList | None]:
        placement = placement or "home"
        route = self._route(placement, user_id)
        lists = route.model.lists

        def fetch() -> RankedList:
            return self.experiments.answer(
                route,
                k,
                lambda n: lists.recommend(user_id, n, placement, exclude, stages_off=route.stages_off),
            )

        if route.exploring or self.served_lists.capacity <= 0:  # exploration: random per request
            return self._served(fetch(), user_id), None
        key = (user_id, placement, k, frozenset(exclude))
        fresh = route.model.fresh
        # Read before the list is computed: a change meanwhile leaves the entry already stale.
        freshness = Freshness(
            self.profiles.get(user_id),
            self.generation,
            route.model,
            route.variant,
            fresh.snapshot if fresh is not None else None,
        )
        cached = self.served_lists.get(key, freshness)
        if cached is None:
            ranked = fetch()
            cached = self.served_lists.put(key, freshness, ranked)
        else:
            ranked = cached.served(new_request_id())
        return self._served(ranked, user_id), cached

    def search(self, query: str, user_id: str | None, k: int) -> RankedList:
        route = self._route("search", user_id)
        lists = route.model.lists
        ranked = self.experiments.answer(
            route, k, lambda n: lists.search(query, user_id=user_id, k=n, stages_off=route.stages_off)
        )
        return self._served(ranked, user_id)

    def explain_search(self, query: str) -> dict[str, Any]:
        """How the served search reads ``query``: corrections, filters, category intent, the ranker."""
        return self.active().lists.explain_search(query)

    def similar(self, item_id: str, k: int, user_id: str | None = None) -> RankedList:
        self.item(item_id)
        active = self.active()
        fresh = active.fresh.vector(item_id) if active.fresh is not None else None
        if fresh is not None:
            return self._served(
                self._text_neighbours(active, fresh, item_id, k), user_id
            )  # newer than the model
        route = self._route("product", user_id)
        lists = route.model.lists
        return self._served(
            self.experiments.answer(
                route, k, lambda n: lists.similar(item_id, k=n, stages_off=route.stages_off)
            ),
            user_id,
        )

    def impression_counts(self) -> tuple[int, int, int]:
        """(written, pending, dropped) impression rows of this process (zeros when logging is off)."""
        logger = self.impressions
        return (0, 0, 0) if logger is None else (logger.written, logger.pending, logger.dropped)

    def _served(self, ranked: RankedList, user_id: str | None) -> RankedList:
        """Every list the API answers passes here: it is logged as impressions (off the request path)."""
        if self.impressions is not None:
            self.impressions.log(ranked, user_id)
        return ranked

    def _text_neighbours(self, active: ActiveModel, vector: np.ndarray, item_id: str, k: int) -> RankedList:
        """Catalog items whose text embedding is closest to ``vector`` (for items the model has not seen)."""
        served = active.lists.served
        assert served.embeddings is not None
        scores = served.embeddings @ vector
        scores[~served.index.known] = -np.inf
        out = []
        for position in np.argsort(-scores, kind="stable"):
            if len(out) == k or not np.isfinite(scores[position]):
                break
            neighbour = served.index.item_ids[int(position)]
            if neighbour != item_id:
                similarity = float(scores[position])
                reason = f"title and description {similarity:.0%} similar (a new item: no behaviour yet)"
                out.append(ScoredItem(neighbour, round(similarity, 6), (reason,)))
        customer = self.profiles.customer_id(item_id)
        ranks = {scored.item_id: rank for rank, scored in enumerate(out)}  # no stage reorders these
        return RankedList(
            new_request_id(), "similar", "product", served.version, customer, tuple(out), source_ranks=ranks
        )

    def complementary(self, item_id: str, k: int, user_id: str | None = None) -> RankedList:
        self.item(item_id)
        route = self._route("product", user_id)
        lists = route.model.lists
        ranked = self.experiments.answer(
            route, k, lambda n: lists.complementary([item_id], k=n, stages_off=route.stages_off)
        )
        return self._served(ranked, user_id)
