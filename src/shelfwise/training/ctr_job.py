"""The click and conversion models in ``shelfwise train`` and ``shelfwise evaluate --protocol
impressions``: read the store's impressions (the feedback log and ``impression`` events) and the
customers' engagement, and fit or judge ``shelfwise.ctr`` on them.

No impressions (or too few to learn from): nothing is written, and serving has no click stage.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from shelfwise.ctr import (
    MODEL_DIR,
    ClickLog,
    ClickModelConfig,
    Engagement,
    ItemSpace,
    evaluate_log,
    examples_from_events,
    examples_from_feedback,
    fit_click_model,
    merge_examples,
)
from shelfwise.domain import ENGAGEMENT_TYPES, Item
from shelfwise.encoders import EmbeddingCache, encoder_of_version
from shelfwise.errors import ModelError
from shelfwise.history import ItemIndex, build_item_index, customer_of_users
from shelfwise.settings import Settings
from shelfwise.storage.base import Store
from shelfwise.training.nextitem import catalog_texts, embed_catalog

LOG_EVENT_TYPES = (*sorted(ENGAGEMENT_TYPES), "impression")


def _config(settings: Settings) -> ClickModelConfig:
    return ClickModelConfig(min_impressions=settings.ctr.min_impressions, min_clicks=settings.ctr.min_clicks)


def read_click_log(
    settings: Settings,
    store: Store,
    items: Sequence[Item],
    index: ItemIndex,
    embeddings: np.ndarray | None,
    encoder_name: str | None,
) -> ClickLog:
    """Impressions with their outcomes, and every customer's engagement, in time order."""
    customer_of = customer_of_users(store)
    events = [stored.event for stored in store.iter_events(types=LOG_EVENT_TYPES)]
    # The feedback loop's attribution window credits impression events too.
    window_s = settings.feedback.attribution_window_hours * 3600.0
    from_events = examples_from_events(events, customer_of, window_s)
    excluded = getattr(store, "excluded", frozenset())  # accounts the audit flagged (training view)
    shown = (i for i in store.iter_impressions() if i.user_id not in excluded)
    from_feedback = examples_from_feedback(shown, store.iter_outcomes(), customer_of)
    examples = merge_examples(from_events, from_feedback)
    engagements = [
        Engagement(e.timestamp, customer_of.get(e.user_id, e.user_id), e.item_id)
        for e in events
        if e.type in ENGAGEMENT_TYPES and e.item_id is not None
    ]
    catalog = {item.item_id: item for item in items}
    space = ItemSpace.build(catalog, index.item_ids, embeddings)
    queries = sorted({e.query for e in examples if e.query})
    return ClickLog(examples, engagements, space, _query_vectors(settings, queries, encoder_name))


def has_impressions(store: Store) -> bool:
    """Impressions logged by a server or front end, or ingested as ``impression`` events."""
    if next(iter(store.iter_impressions()), None) is not None:
        return True
    return next(iter(store.iter_events(types=["impression"])), None) is not None


def _query_vectors(
    settings: Settings, queries: list[str], encoder_name: str | None
) -> dict[str, np.ndarray] | None:
    if not queries or encoder_name is None:
        return None
    cache = EmbeddingCache(
        encoder_of_version(encoder_name, settings.encoders), settings.encoders.resolved_embedding_cache_dir()
    )
    try:
        vectors = np.asarray(cache.encode(queries, progress=False), dtype=np.float32)
    finally:
        cache.close()
    return dict(zip(queries, vectors, strict=True))


def fit_ctr(
    settings: Settings,
    store: Store,
    items: Sequence[Item],
    index: ItemIndex,
    embeddings: np.ndarray | None,
    encoder_name: str | None,
    version_dir: Path,
    seed: int = 0,
    deadline: float = math.inf,
) -> dict[str, float]:
    """Fit and save the click model into the version (``ctr/``); metrics, {} when there is none."""
    if not settings.ctr.enabled or not has_impressions(store):
        return {}  # the common case without a feedback loop costs one indexed lookup
    log = read_click_log(settings, store, items, index, embeddings, encoder_name)
    model = fit_click_model(log, _config(settings), seed, deadline)
    if model is None:
        return {}
    model.save(version_dir / MODEL_DIR)
    return dict(model.metrics)


def evaluate_impressions(
    settings: Settings, store: Store, encoder: str | None = None, seed: int = 0, progress: bool = False
) -> dict[str, float]:
    """``shelfwise evaluate --protocol impressions``: the newest 20 % of impressions held out."""
    if not has_impressions(store):
        raise ModelError("no impressions to evaluate: log or ingest impression events first")
    items = list(store.iter_items())
    events = [s.event for s in store.iter_events(types=LOG_EVENT_TYPES)]
    index = build_item_index(items, events)
    embeddings, encoder_name = embed_catalog(settings, catalog_texts(items, index), encoder, progress)
    log = read_click_log(settings, store, items, index, embeddings, encoder_name)
    try:
        return evaluate_log(log, config=_config(settings), seed=seed)
    except ValueError as error:
        raise ModelError(str(error)) from error
