"""The Ray engine on a local cluster gives what the local engine gives: same counts, same rows, same
model quality, same embeddings."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from engine_data import markov_sequences

from shelfwise.encoders.fake import HashingEncoder
from shelfwise.encoders.registry import encode_shard
from shelfwise.engine import Engine, LocalEngine, map_combine
from shelfwise.retrieval.base import FitOptions, TrainingData
from shelfwise.retrieval.features import CandidateConfig, ItemStatistics
from shelfwise.retrieval.ranker import CandidateRankerRecommender, RankerConfig
from shelfwise.retrieval.transitions import TransitionConfig
from shelfwise.service.context import ServiceContext
from shelfwise.service.ingest import IngestService
from shelfwise.service.lists import ListService
from shelfwise.settings import Settings
from shelfwise.settings.encoders import EncoderSettings
from shelfwise.training.job import TrainOptions, train

N_ITEMS = 200


def _close(a: sp.csr_matrix, b: sp.csr_matrix) -> bool:
    difference = abs(a - b)
    return a.shape == b.shape and (difference.nnz == 0 or difference.max() <= 1e-5 * abs(a).max())


def test_ray_runs_shards_as_tasks(ray_engine: Engine) -> None:
    assert ray_engine.name == "ray" and ray_engine.shards == 4  # two CPUs, two shards each
    # Workers import the mapped function by name: it must live in the package, not in a test module.
    spec = (HashingEncoder().name, EncoderSettings())
    shapes = [part.shape for part in ray_engine.map(encode_shard, [["a"], ["b c", "d"]], spec)]
    assert shapes == [(1, HashingEncoder().dim), (2, HashingEncoder().dim)]


def test_ray_statistics_equal_the_local_ones(ray_engine: Engine) -> None:
    sequences = markov_sequences()
    local = ItemStatistics.fit(sequences, N_ITEMS, TransitionConfig(), CandidateConfig())
    ray = ItemStatistics.fit(sequences, N_ITEMS, TransitionConfig(), CandidateConfig(), ray_engine)
    assert local.follows is not None and ray.follows is not None
    assert (local.follows != ray.follows).nnz == 0 and local.follows.sum() > 1000
    assert np.array_equal(local.counts, ray.counts)
    for name in ("forward", "next_item", "reverse", "cooccur"):
        assert _close(getattr(local, name), getattr(ray, name)), name


def _fit(engine: Engine) -> tuple[CandidateRankerRecommender, dict[str, float]]:
    # No SASRec and no adapter: the rest is deterministic, so the two engines can be compared exactly.
    config = RankerConfig(
        min_data_in_leaf=5, num_leaves=7, max_rounds=40, neural_minutes=0.0, adapter_minutes=0.0
    )
    model = CandidateRankerRecommender(config)
    rng = np.random.default_rng(1)
    embeddings = rng.normal(size=(N_ITEMS, 8)).astype(np.float32)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    data = TrainingData(N_ITEMS, markov_sequences(), embeddings)
    metrics = model.fit(data, FitOptions(progress=False, engine=engine))
    return model, metrics


def test_ranker_trained_on_ray_matches_the_local_one(ray_engine: Engine) -> None:
    local_model, local = _fit(LocalEngine())
    ray_model, ray = _fit(ray_engine)
    assert local["valid_ndcg@10"] > 0.2  # the random graph's successors are learnable
    assert abs(local["valid_ndcg@10"] - ray["valid_ndcg@10"]) < 0.005
    histories = [np.array(s[:-1]) for s in markov_sequences(n_users=50, seed=9) if len(s) > 1]
    top_local = np.argsort(-local_model.score(histories), axis=1)[:, :10]
    top_ray = np.argsort(-ray_model.score(histories), axis=1)[:, :10]
    assert (top_local == top_ray).mean() > 0.95


def test_catalog_encoded_in_shards_equals_one_pass(ray_engine: Engine) -> None:
    texts = [f"item {i} lipstick shade {i % 7}" for i in range(100)]
    spec = (HashingEncoder().name, EncoderSettings())
    sharded = map_combine(ray_engine, encode_shard, texts, spec, np.concatenate)
    assert sharded.shape == (100, HashingEncoder().dim)
    assert np.allclose(sharded, encode_shard(texts, spec))


def test_train_on_ray_publishes_the_model_train_on_local_does(ray_engine: Engine, tmp_path: Path) -> None:
    """The whole job through ``TrainOptions(engine="ray")``: catalog encoding and pair counting run
    as Ray tasks; the published version records its engine and recommends as the local one does."""
    # The embedding cache in the test's own folder: the test empties it (never the user's cache).
    encoders = EncoderSettings(cache_dir=tmp_path / "cache")
    ctx = ServiceContext(Settings(home=tmp_path / "home", encoders=encoders))
    items, events = tmp_path / "items.jsonl", tmp_path / "events.jsonl"
    items.write_text(
        "".join(json.dumps({"item_id": f"i{n}", "title": f"Item {n}"}) + "\n" for n in range(30))
    )
    # Customers walk stretches of the cycle i0 → i1 → ... → i29 → i0: the next item is certain.
    rows = [
        {"user_id": f"u{u}", "item_id": f"i{(u * 7 + s) % 30}", "type": "purchase", "timestamp": 1000 * u + s}
        for u in range(120)
        for s in range(4 + u % 4)
    ]
    events.write_text("".join(json.dumps(r) + "\n" for r in rows))
    IngestService(ctx).ingest_file("items", items)
    IngestService(ctx).ingest_file("events", events)
    options = TrainOptions(max_minutes=1, progress=False, encoder="fake", model="transitions")
    on_ray = ctx.models.manifest(train(ctx.settings, ctx.store, replace(options, engine="ray")).name)
    # Without the embedding cache the ray run filled, so the local run encodes the catalog itself.
    cache = ctx.settings.encoders.resolved_embedding_cache_dir()
    assert cache.is_relative_to(tmp_path)
    shutil.rmtree(cache)
    local = ctx.models.manifest(train(ctx.settings, ctx.store, options).name)
    assert (local.components["engine"], on_ray.components["engine"]) == ("local", "ray")
    local_vectors = np.load(ctx.models.path(local.version) / "item_embeddings.npy")
    ray_vectors = np.load(ctx.models.path(on_ray.version) / "item_embeddings.npy")
    assert np.allclose(local_vectors, ray_vectors)
    # u0 walked i0 → i3: both versions put i4 first.
    ctx.models.pin(on_ray.version)
    assert [r.item_id for r in ListService(ctx).recommend("u0", k=3)] == ["i4", "i5", "i6"]
    assert ctx.models.use_latest() == local.version
    assert [r.item_id for r in ListService(ctx).recommend("u0", k=3)] == ["i4", "i5", "i6"]
