"""Forget means forgotten: after a customer is deleted, the served model stops carrying their counts.

``shelfwise train`` fits counting statistics from every customer's events: item transitions and
popularity (the transitions model), the candidate ranker's item statistics and trending scores, and
the complement model's co-purchase counts. A forgotten customer's purchases would stay in those
numbers until the next training. ``refit_without_forgotten`` recomputes them from the store as it is
now (the customer's events already deleted; flagged accounts still left out) on the served
version's item index, and publishes the result as a new version that the server swaps in before the
DELETE is answered. Learned weights (the LightGBM rankers, SASRec, the behaviour adapter) are kept:
they hold no per-customer count, and the next full training refits them too.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from dataclasses import replace

import numpy as np

from shelfwise.audit import WithoutFlagged
from shelfwise.complements import COMPLEMENTS_DIR, fit_complements
from shelfwise.history import (
    HISTORY_TYPES,
    CustomerHistory,
    ItemIndex,
    build_histories,
    customer_of_users,
    sequences_of,
    trending_scores,
)
from shelfwise.retrieval import SequentialRecommender, TrainingData
from shelfwise.retrieval.features import ItemStatistics
from shelfwise.retrieval.registry import MODEL_DIR, load_model, save_model
from shelfwise.retrieval.transitions import PopularityModel, TransitionModel
from shelfwise.service.context import ServiceContext
from shelfwise.service.serving import ServingEngine
from shelfwise.storage.models import MANIFEST

_one_at_a_time = threading.Lock()  # two forgets must not publish the same version number


def refit_counts(
    model: SequentialRecommender, n_items: int, sequences: list[np.ndarray], histories: list[CustomerHistory]
) -> None:
    """Recompute the counting parts of ``model`` from ``sequences``; learned weights stay."""
    # Imported here: the ranker module imports torch (seconds of the API's import, before the
    # served model even says whether it needs torch).
    from shelfwise.retrieval.ranker import CandidateRankerRecommender

    data = TrainingData(n_items=n_items, sequences=sequences)
    if isinstance(model, TransitionModel | PopularityModel):
        model.fit(data)
    elif isinstance(model, CandidateRankerRecommender):
        cfg = model.config
        model.stats = ItemStatistics.fit(sequences, n_items, cfg.baseline, cfg.candidates)
        if model.trending is not None:
            model.trending = trending_scores(histories, n_items)


def refit_without_forgotten(ctx: ServiceContext, base_version: str) -> str:
    """Publish a copy of ``base_version`` whose counts come from the store as it is now."""
    with _one_at_a_time:
        source = ctx.models.path(base_version)
        manifest = ctx.models.manifest(base_version)
        meta = json.loads((source / "items.json").read_text())
        index = ItemIndex(meta["item_ids"], np.asarray(meta["known"], dtype=bool))
        store = WithoutFlagged(ctx.store, {flag.user_id for flag in ctx.store.audit_flags()})
        events = [stored.event for stored in store.iter_events(types=HISTORY_TYPES)]
        histories = build_histories(events, index, customer_of_users(store))
        model = load_model(source / MODEL_DIR)
        refit_counts(model, len(index), sequences_of(histories), list(histories.values()))
        writer = ctx.models.new_version()
        try:
            shutil.copytree(source, writer.path, dirs_exist_ok=True)
            (writer.path / MANIFEST).unlink()
            shutil.rmtree(writer.path / MODEL_DIR)
            save_model(model, manifest.components.get("model", "transitions"), writer.path / MODEL_DIR)
            if (source / COMPLEMENTS_DIR).is_dir():
                shutil.rmtree(writer.path / COMPLEMENTS_DIR)
                embeddings = np.load(source / "item_embeddings.npy")
                fit_complements(
                    store, list(store.iter_items()), index, embeddings, writer.path / COMPLEMENTS_DIR
                )
            data = {**manifest.data, "counts_refit_of": base_version, "events": ctx.store.count_events()}
            published = writer.publish(
                replace(manifest, version=writer.version, created_at=time.time(), data=data)
            )
        except BaseException:
            writer.discard()
            raise
        return published.name


def refit_served(engine: ServingEngine) -> str | None:
    """Refit the version ``engine`` serves and serve the result (a pin moves to it); runs in a worker
    thread with its own store connection. Returns the version now served (None without a model)."""
    base = engine.version
    if base is None:
        return None
    settings = engine.context.settings
    shared = settings.resolved_store_url() == "memory://"  # an in-memory store has one connection
    ctx = engine.context if shared else ServiceContext(settings)
    try:
        version = refit_without_forgotten(ctx, base)
    finally:
        if not shared:
            ctx.close()
    if engine.context.models.pinned() == base:
        engine.context.models.pin(version)
    return engine.reload()
