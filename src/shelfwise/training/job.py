"""``shelfwise train``: fit everything from the store and publish a new artifact version.

Steps: item index + per-customer sequences (all channels) → item texts → language-model embeddings
(cached by content hash) → the next-item model → artifact ``vNNNN/`` with a manifest.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shelfwise.audit import training_view
from shelfwise.complements import COMPLEMENTS_DIR, fit_complements
from shelfwise.domain import Item
from shelfwise.encoders import (
    EmbeddingCache,
    HashingEncoder,
    TextEncoder,
    choose_encoder,
    detect_language,
    item_text,
)
from shelfwise.errors import ModelError
from shelfwise.retrieval import FitOptions, TrainingData
from shelfwise.service.context import ServiceContext
from shelfwise.training.artifacts import ArtifactWriter, Manifest
from shelfwise.training.data import ItemIndex, load_training_view, sequences_of, trending_scores
from shelfwise.training.models import DEFAULT_MODEL, MODEL_DIR, create_model, save_model
from shelfwise.training.search_job import fit_search

# Share of --max-minutes kept for the steps after the next-item model (complements, search ranker).
AFTER_FIT_SHARE = 0.15


@dataclass(frozen=True)
class TrainOptions:
    seed: int = 0
    max_minutes: float = 20.0
    progress: bool = True
    encoder: str | None = None  # None: chosen from the catalog's language
    model: str = DEFAULT_MODEL


def catalog_texts(items: list[Item], index: ItemIndex) -> list[str]:
    by_id = {item.item_id: item for item in items}
    texts = []
    for item_id in index.item_ids:
        item = by_id.get(item_id)
        if item is None:
            texts.append(item_id)  # seen in events only: no text yet
        else:
            texts.append(
                item_text(item.title, item.brand, list(item.category), item.attributes, item.description)
            )
    return texts


ENCODER_CHOICES = ("minilm", "use", "fake")


def make_encoder(ctx: ServiceContext, name: str | None, texts: list[str]) -> TextEncoder:
    """``minilm`` (English), ``use`` (multilingual/Chinese), ``fake`` (tests); None: by language."""
    if name == "fake":
        return HashingEncoder()
    if name is not None and name not in ENCODER_CHOICES:
        raise ModelError(f"unknown encoder {name!r}; choose one of {', '.join(ENCODER_CHOICES)}")
    language = {"minilm": "en", "use": "multi"}.get(name or "") or detect_language(texts)
    return choose_encoder(language, ctx.settings.encoders)  # type: ignore[arg-type]


def embed_catalog(
    ctx: ServiceContext, texts: list[str], encoder_name: str | None, progress: bool
) -> tuple[np.ndarray, str]:
    encoder = make_encoder(ctx, encoder_name, texts)
    cache = EmbeddingCache(encoder, ctx.settings.encoders.resolved_embedding_cache_dir())
    try:
        vectors = cache.encode(texts, progress=progress)
    finally:
        cache.close()
    return np.asarray(vectors, dtype=np.float32), encoder.name


def train(ctx: ServiceContext, options: TrainOptions) -> Path:
    started = time.perf_counter()
    timings: dict[str, float] = {}
    # Flagged accounts (fake orders, rings, bots) are kept out of every model and of trending.
    store, audit = training_view(ctx.store, ctx.settings.audit)
    items = list(store.iter_items())
    index, histories = load_training_view(store)
    sequences = sequences_of(histories)
    if len(index) == 0 or not sequences:
        raise ModelError("nothing to train on: ingest items and events first")
    timings["load_s"] = time.perf_counter() - started

    t0 = time.perf_counter()
    texts = catalog_texts(items, index)
    embeddings, encoder_name = embed_catalog(ctx, texts, options.encoder, options.progress)
    timings["encode_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    # The next-item model gets what is left of the budget minus a share kept for the complement and
    # search steps that follow it, so the whole job ends within --max-minutes.
    remaining = options.max_minutes * (1.0 - AFTER_FIT_SHARE) - (time.perf_counter() - started) / 60.0
    remaining = max(remaining, 0.5)
    model = create_model(options.model)
    metrics = model.fit(
        TrainingData(
            n_items=len(index),
            sequences=sequences,
            item_embeddings=embeddings,
            trending=trending_scores(histories.values(), len(index)),
        ),
        FitOptions(seed=options.seed, max_minutes=remaining, threads=ctx.settings.threads, progress=options.progress),
    )
    timings["fit_s"] = time.perf_counter() - t0

    writer = ArtifactWriter(ctx.settings.artifacts_dir)
    try:
        save_model(model, options.model, writer.path / MODEL_DIR)
        np.save(writer.path / "item_embeddings.npy", embeddings)
        t0 = time.perf_counter()
        fit_complements(store, items, index, embeddings, writer.path / COMPLEMENTS_DIR)
        timings["complements_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        metrics.update(fit_search(ctx, writer.path / "search", options.seed, options.progress))
        timings["search_s"] = time.perf_counter() - t0
        (writer.path / "items.json").write_text(
            json.dumps({"item_ids": index.item_ids, "known": index.known.tolist()})
        )
        stats = store.stats()
        timings["total_s"] = time.perf_counter() - started
        manifest = Manifest(
            version=writer.version,
            created_at=time.time(),
            status="ok",
            config={"seed": options.seed, "max_minutes": options.max_minutes, "threads": ctx.settings.threads},
            data={
                "items": len(index), "catalog_items": int(index.known.sum()), "customers": len(sequences),
                "events": stats["events"], "interactions": int(sum(len(s) for s in sequences)),
                "flagged_accounts": len(audit.flags) if audit else 0,
                "flagged_events": audit.flagged_events if audit else 0,
            },
            metrics={k: float(v) for k, v in metrics.items()},
            components={"model": options.model, "encoder": encoder_name},
            timings={k: round(v, 2) for k, v in timings.items()},
        )
        return writer.publish(manifest)
    except BaseException:
        writer.discard()
        raise
