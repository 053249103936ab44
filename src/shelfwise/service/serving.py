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

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shelfwise.domain import Item, ScoredItem
from shelfwise.errors import ModelError, NotFoundError, ShelfwiseError
from shelfwise.ingest.pipeline import Ingestor
from shelfwise.profiles import CustomerProfile, ProfileBook
from shelfwise.service import models as model_versions
from shelfwise.service.batches import BatchKind, BatchOutcome, parse_batch, write_batch
from shelfwise.service.context import ServiceContext
from shelfwise.service.customers import CustomerService
from shelfwise.service.fresh_items import FreshItems, encoder_named
from shelfwise.service.recommend import RecommendService
from shelfwise.training.artifacts import read_manifest

log = logging.getLogger(__name__)

FRESH_SLOTS = 2  # at most this many new arrivals per recommendation list
FRESH_POSITION = 2  # ... starting at the third slot: visible, without displacing the best match
FRESH_MIN_SIMILARITY = 0.5
FRESH_ANCHORS = 5  # the customer's last items a new arrival is compared with
ITEM_CLOCK_SLACK = 5.0  # seconds: see sync()
SYNC_BATCH = 10_000  # events applied per sync: a big file ingest is caught up over several ticks


@dataclass
class ActiveModel:
    version: str
    recommender: RecommendService
    embeddings: np.ndarray | None  # the version's item vectors (model item order), L2-normalised
    fresh: FreshItems | None
    search: Any | None = None  # SearchService when that module is installed
    complements: Any | None = None  # ComplementService when that module is installed
    side_context: ServiceContext | None = None  # the store connection of search and complements
    loaded_at: float = field(default_factory=time.time)

    def retire(self, main: ServiceContext) -> None:
        if self.fresh is not None:
            self.fresh.close()
        try:
            if self.search is not None:
                self.search.close()
        except sqlite3.ProgrammingError:
            pass  # opened by the request thread: garbage collection closes it
        if self.side_context is not None and self.side_context is not main:
            self.side_context.close()


@dataclass(frozen=True, slots=True)
class ForgetReport:
    customer_id: str
    user_ids: list[str]
    events_deleted: int
    accounts_deleted: int


class ServingEngine:
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

    @property
    def context(self) -> ServiceContext:
        return self._ctx

    # ------------------------------------------------------------------ lifecycle
    def start(self, poll: bool = True) -> None:
        store = self._ctx.store
        changes = store.changes_after(0)
        self._change_seq = changes[-1].seq if changes else 0  # the profiles below already reflect them
        self._items_checked_at = time.time()
        for updated_at, item in store.items_updated_since(0.0):
            self.catalog[item.item_id] = item
            self._item_stamps[item.item_id] = updated_at
        self.profiles = ProfileBook.load(store, None, self._settings.profile_max_items)
        try:
            self.reload()
        except ModelError as exc:
            log.warning("serving without a model until one is trained: %s", exc)
        if poll and self._settings.reload_poll_seconds > 0:
            self._poller = threading.Thread(target=self._poll, name="model-poller", daemon=True)
            self._poller.start()
        self.started_at = time.time()

    def stop(self) -> None:
        self._stop.set()
        if self._poller is not None:
            self._poller.join(timeout=5)
        for generation in (self._active, self._retired):
            if generation is not None:
                generation.retire(self._ctx)

    def _poll(self) -> None:
        while not self._stop.wait(self._settings.reload_poll_seconds):
            try:
                self.reload()
            except ShelfwiseError as exc:
                log.debug("model poll: %s", exc)
            except Exception:  # the poller must survive anything a broken artifact throws
                log.exception("model poll failed")

    @property
    def version(self) -> str | None:
        active = self._active
        return None if active is None else active.version

    def active(self) -> ActiveModel:
        active = self._active
        if active is None:
            raise ModelError("no trained model yet: run `shelfwise train`")
        return active

    def reload(self, force: bool = False) -> str:
        """Serve the active version (pin or newest good); loads it first if it is not served yet."""
        root = self._ctx.settings.artifacts_dir
        with self._load_lock:
            wanted = model_versions.active_version(root)
            current = self._active
            if current is not None and current.version == wanted and not force:
                return wanted
            if wanted in self._failed_versions and not force:
                return current.version if current else wanted
            try:
                loaded = self._load(wanted)
            except Exception as exc:
                self._failed_versions.add(wanted)
                log.exception("cannot load model %s; still serving %s", wanted, current and current.version)
                raise ModelError(f"cannot load model {wanted}: {exc}") from exc
            self._active = loaded  # the swap: one reference
            # Requests that started on the old version may still be running: it is retired
            # (connections closed) only at the next swap.
            if self._retired is not None:
                self._retired.retire(self._ctx)
            self._retired = current
        for callback in self.on_swap:
            callback(loaded.version)
        log.info("serving model %s", loaded.version)
        return loaded.version

    def rollback(self) -> str:
        model_versions.rollback(self._ctx.settings.artifacts_dir)
        return self.reload()

    def use_latest(self) -> str:
        model_versions.use_latest(self._ctx.settings.artifacts_dir)
        return self.reload()

    def _load(self, version: str) -> ActiveModel:
        root = self._ctx.settings.artifacts_dir
        recommender = RecommendService(self._ctx, version, self.profiles, self.catalog)
        loaded = recommender.loaded  # reads the artifact now, in this (background) thread
        directory = root / version
        manifest = read_manifest(directory)
        embeddings_path = directory / "item_embeddings.npy"
        embeddings = np.load(embeddings_path) if embeddings_path.exists() else None
        fresh = None
        encoder_name = manifest.components.get("encoder")
        if embeddings is not None and encoder_name:
            settings = self._ctx.settings.encoders
            fresh = FreshItems(
                lambda: encoder_named(encoder_name, settings),
                settings.resolved_embedding_cache_dir(),
                embeddings.shape[1],
            )
            known = {
                item_id for item_id, ok in zip(loaded.index.item_ids, loaded.index.known, strict=True) if ok
            }
            fresh.submit([item for item_id, item in list(self.catalog.items()) if item_id not in known])
        active = ActiveModel(version, recommender, embeddings, fresh)
        # Search keeps reading the store (its catalog and search log): it gets its own connection,
        # so this thread never shares one with the request path (an in-memory store cannot).
        shared = self._ctx.settings.resolved_store_url() == "memory://"
        active.side_context = self._ctx if shared else ServiceContext(self._ctx.settings)
        active.search, active.complements = _optional_services(active.side_context, version, self.catalog)
        # Warm up on the request path's code so the first request after the swap is not slow.
        recommender.recommend("__warmup__", 1)
        return active

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

    def item(self, item_id: str) -> Item:
        item = self.catalog.get(item_id)
        if item is None:
            raise NotFoundError(f"no item {item_id!r}")
        return item

    def recommend(
        self, user_id: str, k: int = 10, exclude: Sequence[str] = (), placement: str | None = None
    ) -> list[ScoredItem]:
        """Next items for a user or customer; unknown ids get the cold-start answer (best sellers)."""
        active = self.active()
        excluded = set(exclude)
        ranked = active.recommender.recommend(user_id, k + len(excluded), placement=placement or "home")
        ranked = [s for s in ranked if s.item_id not in excluded]
        ranked = self._with_fresh(active, user_id, ranked, excluded)
        return ranked[:k]

    def _with_fresh(
        self, active: ActiveModel, user_id: str, ranked: list[ScoredItem], excluded: set[str]
    ) -> list[ScoredItem]:
        """Give new arrivals that match the customer's recent items a slot (see fresh_items)."""
        fresh, embeddings = active.fresh, active.embeddings
        profile = self.profiles.get(user_id)
        if fresh is None or embeddings is None or not len(fresh) or profile is None:
            return ranked
        index = active.recommender.loaded.index
        anchors = [
            p
            for p in (index.get(e.item_id) for e in profile.recent[-FRESH_ANCHORS:] if e.item_id)
            if p is not None
        ]
        if not anchors:
            return ranked
        skip = excluded | profile.purchased | {s.item_id for s in ranked}
        matches = fresh.best_matches(embeddings[anchors], FRESH_SLOTS + len(skip), FRESH_MIN_SIMILARITY)
        picks = [m for m in matches if m.item_id not in skip and m.item_id in self.catalog][:FRESH_SLOTS]
        out = list(ranked)
        for offset, match in enumerate(picks):
            position = min(FRESH_POSITION + offset, len(out))
            anchor = self.catalog.get(index.item_ids[anchors[match.anchor]])
            anchor_title = anchor.title if anchor else index.item_ids[anchors[match.anchor]]
            score = out[position - 1].score if position > 0 else 1.0
            reason = f"new arrival, similar to “{anchor_title}”, which you looked at"
            out.insert(position, ScoredItem(match.item_id, score, (reason,)))
        return out

    def search(self, query: str, user_id: str | None, k: int) -> list[ScoredItem]:
        return self.search_answer(query, user_id, k).items

    def search_answer(self, query: str, user_id: str | None, k: int) -> Any:
        """A ``SearchAnswer``: the items, the relaxation steps taken and a merchant redirect."""
        service = self.active().search
        if service is None:
            raise ModelError("search is not available in this installation")
        return service.answer(query, user_id=user_id, k=k)

    def similar(self, item_id: str, k: int) -> list[ScoredItem]:
        self.item(item_id)
        active = self.active()
        fresh = active.fresh.vector(item_id) if active.fresh is not None else None
        if fresh is not None and active.embeddings is not None:
            return self._text_neighbours(active, fresh, item_id, k)  # newer than the model
        if active.complements is None:
            raise ModelError("similar items are not available in this installation")
        return active.complements.similar(item_id, k=k)

    def _text_neighbours(
        self, active: ActiveModel, vector: np.ndarray, item_id: str, k: int
    ) -> list[ScoredItem]:
        """Catalog items whose text embedding is closest to ``vector`` (for items the model has not seen)."""
        index = active.recommender.loaded.index
        scores = active.embeddings @ vector  # type: ignore[operator]
        scores[~index.known] = -np.inf
        out = []
        for position in np.argsort(-scores, kind="stable"):
            if len(out) == k or not np.isfinite(scores[position]):
                break
            neighbour = index.item_ids[int(position)]
            if neighbour != item_id:
                out.append(
                    ScoredItem(
                        neighbour, round(float(scores[position]), 6), ("similar title and description",)
                    )
                )
        return out

    def complementary(self, item_id: str, k: int) -> list[ScoredItem]:
        self.item(item_id)
        service = self.active().complements
        if service is None:
            raise ModelError("complementary items are not available in this installation")
        return service.complementary([item_id], k=k)

    # ------------------------------------------------------------------ writes
    def _ingestor(self) -> Ingestor:
        customers = CustomerService(self._ctx)
        return Ingestor(self._ctx.store, customers.pseudonymize, customers.customer_id_for)

    def ingest(self, kind: BatchKind, rows: Sequence[Any]) -> BatchOutcome:
        """Validate the whole batch (``BatchRejected`` names each bad row), write it in one
        transaction, then make it visible before answering (``sync``)."""
        records = parse_batch(kind, rows)
        outcome = write_batch(self._ingestor(), kind, records)
        if outcome.stored_accounts:
            # New identity keys may link or split customers: re-resolve, and tell every server.
            CustomerService(self._ctx).refresh()
            self._ctx.store.record_change("identity")
        self.sync()
        return outcome

    def sync(self) -> None:
        """Catch up with the store: new events (by seq), identity changes and forgets (change log),
        new or edited items. Called after every write here and every ``sync_seconds`` for writes by
        other processes (other workers, ``shelfwise ingest``). Runs on the request thread only."""
        store = self._ctx.store
        self.profiles.apply(store.events_after(self.profiles.applied_seq, SYNC_BATCH))
        changes = store.changes_after(self._change_seq)
        if changes:
            self._change_seq = changes[-1].seq
            for change in changes:
                if change.kind == "forget" and change.subject:
                    self.profiles.forget(change.subject)
            if any(change.kind == "identity" for change in changes):
                self.profiles.regroup(store)
        changed = []
        # Rows committed since the last look carry a stamp from at most ITEM_CLOCK_SLACK before it
        # (a writer stamps rows, then waits for the write lock). Rows already seen are skipped.
        since, self._items_checked_at = self._items_checked_at - ITEM_CLOCK_SLACK, time.time()
        for updated_at, item in store.items_updated_since(since):
            if self._item_stamps.get(item.item_id) == updated_at:
                continue
            self._item_stamps[item.item_id] = updated_at
            if self.catalog.get(item.item_id) != item:
                self.catalog[item.item_id] = item
                changed.append(item)
        self._submit_fresh(changed)

    def _submit_fresh(self, items: list[Item]) -> None:
        """Items the served model has not seen go to the new-item encoder (see fresh_items)."""
        active = self._active
        if not items or active is None or active.fresh is None:
            return
        index = active.recommender.loaded.index
        active.fresh.submit(
            [item for item in items if (p := index.get(item.item_id)) is None or not index.known[p]]
        )

    def forget(self, id_or_user: str) -> ForgetReport:
        """Delete a customer's events and accounts (hashed keys included) and their live profile."""
        store = self._ctx.store
        customer = self.profiles.customer_id(id_or_user) or CustomerService(self._ctx).resolve_customer_id(
            id_or_user
        )
        profile = self.profiles.get(customer)
        users = {a.user_id for a in store.accounts_of_customer(customer)}
        users |= set(profile.user_ids if profile else ())
        account = store.get_account(id_or_user)
        if account is not None:
            users.add(account.user_id)
        ordered = sorted(users)
        with store.transaction():
            events = store.delete_events_of(ordered)
            accounts = store.delete_accounts(ordered)
            store.record_change("forget", customer)  # every server process drops the profile
        self.sync()
        return ForgetReport(customer, ordered, events, accounts)


def _optional_services(
    ctx: ServiceContext, version: str, catalog: dict[str, Item]
) -> tuple[Any | None, Any | None]:
    """Search and complement services of ``version``, warmed up (indexes built, models loaded) here
    in the loader thread so the first request after a swap is not slow. Missing modules or a
    version without their artifacts leave the slot empty (the routes answer 503)."""
    search = complements = None
    try:
        from shelfwise.service.search import SearchService

        search = SearchService(ctx, version)
        search.engine()
        # Its embedding cache's SQLite handle belongs to this thread; closing it here lets the
        # request thread reopen its own on first use.
        search.close()
    except ImportError:
        log.info("search service not installed")
    except Exception:  # an optional service must not keep the recommender from serving
        log.exception("search unavailable with model %s", version)
        search = None
    try:
        from shelfwise.service.complementary import ComplementService

        complements = ComplementService(ctx, version, catalog)
        complements.loaded  # noqa: B018 - loads the artifact now
    except ImportError:
        log.info("complement service not installed")
    except Exception:  # e.g. an artifact from an older complement model format
        log.exception("complementary items unavailable with model %s", version)
        complements = None
    return search, complements
