"""``shelfwise train``: fit everything from the store and publish a new artifact version.

Steps: item index + per-customer sequences (all channels) → item texts → language-model embeddings
(cached by content hash) → the next-item model → artifact ``vNNNN/`` with a manifest.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from shelfwise.audit import training_view
from shelfwise.complements import COMPLEMENTS_DIR, fit_complements
from shelfwise.engine import Engine, open_engine
from shelfwise.errors import ModelError
from shelfwise.history import CustomerHistory, customer_of_users, sequences_of, trending_scores
from shelfwise.history.columns import histories_of, item_index_of
from shelfwise.profiles.snapshot import PROFILES_FILE, change_mark
from shelfwise.profiles.snapshot import write_snapshot as write_profiles
from shelfwise.retrieval.registry import DEFAULT_MODEL, MODEL_DIR, save_model
from shelfwise.search.behaviour import SEARCH_EVENT_TYPES
from shelfwise.search.factory import SEARCH_DIR, write_snapshot
from shelfwise.search.snapshot import SNAPSHOT_DIR, LogMark
from shelfwise.settings import Settings
from shelfwise.storage.base import Store
from shelfwise.storage.columns import EventColumns
from shelfwise.storage.models import Manifest, ModelStore
from shelfwise.training.budget import (
    COMPLEMENTS_PER_LOAD,
    COMPLEMENTS_SHARE,
    MIN_NEXT_ITEM_S,
    ShopSize,
    TrainBudget,
    TrainClock,
    affordable,
    finish_reserve,
    plan_budget,
)
from shelfwise.training.ctr_job import fit_ctr
from shelfwise.training.nextitem import NextItemFit, catalog_texts, embed_catalog, fit_next_item
from shelfwise.training.query_tuning_job import search_encoder_name
from shelfwise.training.search_job import fit_search


@dataclass(frozen=True)
class TrainOptions:
    seed: int = 0
    max_minutes: float = 20.0
    progress: bool = True
    encoder: str | None = None  # None: chosen from the catalog's language
    model: str = DEFAULT_MODEL
    engine: str = "local"  # where the heavy stages run: local, or ray (the `ray` extra)
    address: str | None = None  # a running Ray cluster; None starts a local one


def _importances(model: object) -> dict[str, dict[str, float]]:
    """The next-item ranker's feature gains, when the model is a learned ranker."""
    importances = getattr(model, "feature_importances", None)
    gains = importances() if callable(importances) else {}
    return {"next-item ranker": gains} if gains else {}


def _shop_size(settings: Settings, columns: EventColumns, sequences: list[np.ndarray]) -> ShopSize:
    """What the next-item model and the search step learn from, for the budget split."""
    # As iter_events(types=SEARCH_EVENT_TYPES, with_query=True) counts them: a non-empty query.
    search_events = int((columns.type.mask_of(SEARCH_EVENT_TYPES) & columns.query.present()).sum())
    tunes = settings.search.tune_query_encoder and search_events > 0
    return ShopSize(
        interactions=int(sum(len(s) for s in sequences)),
        search_events=search_events,
        tune_share=settings.search.tune_share if tunes else 0.0,
    )


def last_event_times(histories: dict[str, CustomerHistory]) -> np.ndarray:
    """Each non-empty history's latest event time, in ``sequences_of`` order: when the budget
    binds, the models learn from the most recent customers first."""
    return np.array([h.times[-1] if h.times else 0.0 for h in histories.values() if h.items])


def _warn_if_unreachable(clock: TrainClock, finish_s: float, progress: bool) -> None:
    """One clear line when even the cheapest model cannot fit what loading and encoding left."""
    spent = clock.elapsed()
    if spent + finish_s + MIN_NEXT_ITEM_S <= clock.budget_s:
        return
    needed = (spent + finish_s + MIN_NEXT_ITEM_S) / 60.0
    note = (
        f"--max-minutes {clock.budget_s / 60.0:g} cannot be held: loading and encoding took "
        f"{spent:.0f}s and publishing needs about {finish_s:.0f}s more; training the cheapest model "
        f"anyway (about {needed:.1f} minutes in all)"
    )
    clock.skip("budget", note)
    if progress:
        print(f"warning: {note}", file=sys.stderr, flush=True)


def _complements_window(clock: TrainClock, budget: TrainBudget, shop: ShopSize, max_minutes: float) -> float:
    """Seconds the complement model may take now: up to the search step's deadline, less the
    search step's own planned share when there is a search log to learn from."""
    search_share = 0.0
    if shop.search_events > 0:
        search_share = max(
            budget.search_end - max_minutes * 60.0 * COMPLEMENTS_SHARE - budget.next_item_end, 0.0
        )
    return clock.left(budget.search_end) - search_share


def skipped_in_fit(metrics: dict[str, float]) -> dict[str, str]:
    """The next-item fit's own skipped steps (flags in its metrics), worded for the manifest."""
    reasons = {
        "neural_skipped": "SASRec and behaviour adapter: the next-item fit had under 3 minutes",
        "extra_steps_skipped": "earlier-step training rows: no time for their statistics",
        "refit_skipped": "statistics refit on full sequences: no time (serving the held-out fit)",
        "rows_cut": "training rows stopped at their deadline (most recent customers kept)",
    }
    return {name.removesuffix("_skipped"): why for name, why in reasons.items() if metrics.get(name)}


def train(settings: Settings, store: Store, options: TrainOptions) -> Path:
    # numpy's BLAS kept its own threads (one per core) while torch and LightGBM use
    # settings.threads: on a loaded 2-core machine the per-customer similarity products of the
    # ranker's training rows ran 20x slower (docs/performance.md).
    engine = open_engine(options.engine, options.address)
    try:
        with threadpool_limits(limits=settings.threads):
            return _train(settings, store, options, engine)
    finally:
        engine.close()


def _train(settings: Settings, store: Store, options: TrainOptions, engine: Engine) -> Path:
    started = time.perf_counter()
    clock = TrainClock(time.monotonic(), options.max_minutes * 60.0)
    timings: dict[str, float] = {}
    full_store = store  # the live profiles are of every account, flagged or not
    # Every event is read once, column-wise, and shared by the audit, the histories, the
    # complement model and the live profiles (docs/scale.md: four reads of one Event per row
    # were most of the load step at 3x). The change mark is the profiles' and comes first.
    read = (change_mark(full_store), full_store.event_columns())
    # Flagged accounts (fake orders, rings, bots) are kept out of every model and of trending.
    store, audit = training_view(store, settings.audit, read[1])
    columns = read[1].without_users(audit.flagged) if audit and audit.flags else read[1]
    items = list(store.iter_items())
    index = item_index_of(columns, items)
    histories = histories_of(columns, index, customer_of_users(store))
    sequences = sequences_of(histories)
    if len(index) == 0 or not sequences:
        raise ModelError("nothing to train on: ingest items and events first")
    timings["load_s"] = time.perf_counter() - started

    t0 = time.perf_counter()
    texts = catalog_texts(items, index)
    embeddings, encoder_name = embed_catalog(settings, texts, options.encoder, options.progress, engine)
    timings["encode_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    # Deadlines for the steps that follow, split by what the shop has (training/budget.py), so the
    # whole job ends within --max-minutes and a search log is not starved by the recommender. The
    # finishing steps read every event again, as loading did: their time is kept aside first.
    shop = _shop_size(settings, columns, sequences)
    finish_s = finish_reserve(timings["load_s"])
    budget = plan_budget(options.max_minutes, t0 - started, shop, finish_s)
    _warn_if_unreachable(clock, finish_s, options.progress)
    model, metrics = fit_next_item(
        settings,
        NextItemFit(
            options.model, options.seed, budget.next_item_minutes(t0 - started), options.progress, engine
        ),
        len(index),
        sequences,
        embeddings,
        trending_scores(histories.values(), len(index)),
        recency=last_event_times(histories),
    )
    timings["fit_s"] = time.perf_counter() - t0

    writer = ModelStore(settings.artifacts_dir).new_version()
    try:
        save_model(model, options.model, writer.path / MODEL_DIR)
        np.save(writer.path / "item_embeddings.npy", embeddings)
        t0 = time.perf_counter()
        window = _complements_window(clock, budget, shop, options.max_minutes)
        estimate = COMPLEMENTS_PER_LOAD * timings["load_s"]
        if affordable(estimate, window):
            fit_complements(store, items, index, embeddings, writer.path / COMPLEMENTS_DIR, columns)
        else:
            clock.skip(
                "complements",
                f"about {estimate:.0f}s needed, {max(window, 0.0):.0f}s left in --max-minutes "
                f"{options.max_minutes:g}: no complementary items in this version",
            )
        timings["complements_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        # The search step stops replaying and boosting at its deadline, the click model at the end.
        deadline = clock.started + budget.total
        search_deadline = clock.started + budget.search_end
        metrics.update(
            fit_search(
                settings,
                store,
                writer.path / SEARCH_DIR,
                options.seed,
                options.progress,
                deadline=search_deadline,
            )
        )
        timings["search_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        ctr_metrics = fit_ctr(
            settings, store, items, index, embeddings, encoder_name, writer.path, options.seed, deadline
        )
        metrics.update(ctr_metrics)
        timings["ctr_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        # Servers start from these profiles and read only the events after them.
        profiles = write_profiles(
            full_store, writer.path / PROFILES_FILE, settings.serve.profile_max_items, read
        )
        timings["profiles_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        # Serving and one-off searches start from this index instead of indexing the catalog, and
        # from its search-log statistics while no search event came after the profiles' mark.
        # Both from the full store: that is what serving reads (flagged accounts included).
        mark = LogMark(profiles.event_seq, profiles.change_seq, profiles.stored_events)
        write_snapshot(settings, full_store, writer.path / SNAPSHOT_DIR, mark=mark)
        timings["search_index_s"] = time.perf_counter() - t0
        (writer.path / "items.json").write_text(
            json.dumps({"item_ids": index.item_ids, "known": index.known.tolist()})
        )
        stats = store.stats()
        timings["total_s"] = time.perf_counter() - started
        manifest = Manifest(
            version=writer.version,
            created_at=time.time(),
            status="ok",
            config={"seed": options.seed, "max_minutes": options.max_minutes, "threads": settings.threads},
            data={
                "items": len(index),
                "catalog_items": int(index.known.sum()),
                "customers": len(sequences),
                "events": stats["events"],
                "interactions": int(sum(len(s) for s in sequences)),
                "flagged_accounts": len(audit.flags) if audit else 0,
                "flagged_events": audit.flagged_events if audit else 0,
            },
            metrics={k: float(v) for k, v in metrics.items()},
            components={
                "model": options.model,
                "engine": engine.name,
                "encoder": encoder_name,
                "click_model": bool(ctr_metrics),
                "search_encoder": search_encoder_name(
                    settings, [item.title for item in items], writer.path / SEARCH_DIR
                ),
                # Optional steps left out to keep --max-minutes, and why (empty: everything ran).
                "skipped": clock.skipped | skipped_in_fit(metrics),
            },
            timings={k: round(v, 2) for k, v in timings.items()},
            curves=getattr(model, "curves", {}),  # models that record none (transitions) have no curve
            importances=_importances(model),
        )
        return writer.publish(manifest)
    except BaseException:
        writer.discard()
        raise
