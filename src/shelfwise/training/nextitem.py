"""The pieces ``train`` and ``evaluate`` share, so that evaluation fits exactly what is served:
the catalog's texts and embeddings, and the next-item model fitted on sequences plus trending."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from shelfwise.domain import Item
from shelfwise.encoders import EmbeddingCache, encoder_for_catalog, item_text
from shelfwise.encoders.registry import encode_shard
from shelfwise.engine import Engine, map_combine
from shelfwise.history import ItemIndex
from shelfwise.retrieval import FitOptions, SequentialRecommender, TrainingData
from shelfwise.retrieval.registry import create_model
from shelfwise.settings import Settings


def catalog_texts(items: Sequence[Item], index: ItemIndex) -> list[str]:
    """One text per index position; items seen only in events have just their id."""
    by_id = {item.item_id: item for item in items}
    return [item_text(by_id[i]) if i in by_id else i for i in index.item_ids]


def embed_catalog(
    settings: Settings, texts: list[str], choice: str | None, progress: bool, engine: Engine | None = None
) -> tuple[np.ndarray, str]:
    """(L2-normalised vectors, the encoder's name) through the content-hash cache; the texts the
    cache lacks are encoded in shards on ``engine`` when it has more than one."""
    encoder = encoder_for_catalog(choice, texts, settings.encoders)
    cache = EmbeddingCache(encoder, settings.encoders.resolved_embedding_cache_dir())
    sharded = None
    if engine is not None and engine.shards > 1:
        spec = (encoder.name, settings.encoders)

        def sharded(missing: list[str]) -> np.ndarray:
            return map_combine(engine, encode_shard, missing, spec, np.concatenate)

    try:
        vectors = cache.encode(texts, progress=progress, encode_missing=sharded)
    finally:
        cache.close()
    return np.asarray(vectors, dtype=np.float32), encoder.name


@dataclass(frozen=True)
class NextItemFit:
    model_name: str
    seed: int = 0
    max_minutes: float = 20.0
    progress: bool = False
    engine: Engine | None = None  # None: in this process


def fit_next_item(
    settings: Settings,
    fit: NextItemFit,
    n_items: int,
    sequences: Sequence[np.ndarray],
    embeddings: np.ndarray | None,
    trending: np.ndarray | None,
    recency: np.ndarray | None = None,
) -> tuple[SequentialRecommender, dict[str, float]]:
    """``recency``: each sequence's latest event time (see ``TrainingData.recency``)."""
    model = create_model(fit.model_name)
    kept = [n for n, s in enumerate(sequences) if len(s)]
    metrics = model.fit(
        TrainingData(
            n_items=n_items,
            sequences=[np.asarray(sequences[n], dtype=np.int32) for n in kept],
            item_embeddings=embeddings,
            trending=trending,
            recency=None if recency is None else np.asarray(recency, dtype=np.float64)[kept],
        ),
        FitOptions(
            seed=fit.seed,
            max_minutes=fit.max_minutes,
            threads=settings.threads,
            progress=fit.progress,
            engine=fit.engine,
        ),
    )
    return model, dict(metrics or {})
