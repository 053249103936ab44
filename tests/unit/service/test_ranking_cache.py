"""The per-customer ranking cache: a returning customer is answered from it, with the same list as
scoring afresh, and the customer's next event makes the next request score afresh (real time)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shelfwise.history import CustomerHistory
from shelfwise.service.context import ServiceContext
from shelfwise.service.ingest import IngestService
from shelfwise.service.placements.next_item import NextItemSource
from shelfwise.service.placements.ranking_cache import Ranking
from shelfwise.service.serving import ServingEngine
from shelfwise.settings import Settings
from shelfwise.testing.pairs_shop import T0, pairs_shop_files
from shelfwise.training.job import TrainOptions, train


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Other shoppers buy phone → case and kettle → tea; socks are the best seller."""
    work = tmp_path_factory.mktemp("ranking-cache")
    ctx = ServiceContext(Settings(home=work / "home", search={"encoder": "fake"}))
    ingest = IngestService(ctx)
    items, events = pairs_shop_files(work)
    ingest.ingest_file("items", items)
    ingest.ingest_file("events", events)
    train(
        ctx.settings,
        ctx.store,
        TrainOptions(seed=0, max_minutes=1, progress=False, encoder="fake", model="transitions"),
    )
    ctx.close()
    return work / "home"


def _engine(home: Path, tmp_path: Path, cache: int) -> ServingEngine:
    import shutil

    copy = tmp_path / f"home-{cache}"
    shutil.copytree(home, copy)
    settings = Settings(
        home=copy,
        search={"encoder": "fake"},
        # The served-list cache above it would answer repeated requests first: off, to test this one.
        serve={"ranking_cache_customers": cache, "served_list_cache_lists": 0},
        feedback={"log_impressions": False},
    )
    engine = ServingEngine(ServiceContext(settings))
    engine.start(poll=False)
    return engine


def _source(engine: ServingEngine) -> NextItemSource:
    source = engine.active().lists.pipeline.source("recommendations")
    assert isinstance(source, NextItemSource)
    return source


def _answer(engine: ServingEngine, user: str) -> list[tuple[str, float, tuple[str, ...]]]:
    return [(s.item_id, s.score, s.reasons) for s in engine.recommend(user, 3)]


def test_a_returning_customer_gets_the_same_list_from_the_cache(home: Path, tmp_path: Path) -> None:
    cached, uncached = _engine(home, tmp_path, 100), _engine(home, tmp_path, 0)
    try:
        first = _answer(cached, "bob")
        assert first[0][0] == "case"
        assert _source(cached).cache.misses == 1 and _source(cached).cache.hits == 0
        assert _answer(cached, "bob") == first == _answer(uncached, "bob")
        assert _source(cached).cache.hits == 1
        assert len(_source(uncached).cache) == 0
    finally:
        cached.stop()
        uncached.stop()


def test_the_next_event_invalidates_the_customer(home: Path, tmp_path: Path) -> None:
    engine = _engine(home, tmp_path, 100)
    try:
        assert _answer(engine, "bob")[0][0] == "case"
        assert _answer(engine, "bob")[0][0] == "case"  # cached
        view = {"user_id": "bob", "item_id": "kettle", "type": "view", "timestamp": T0 + 9100}
        engine.ingest("events", [view])
        assert _answer(engine, "bob")[0][0] == "tea"  # no stale ranking after the event
        bought = {"user_id": "bob", "item_id": "tea", "type": "purchase", "timestamp": T0 + 9200}
        engine.ingest("events", [bought])
        assert "tea" not in [item for item, _, _ in _answer(engine, "bob")]  # bought: masked
        source = _source(engine)
        assert source.cache.hits == 1 and source.cache.misses == 3
    finally:
        engine.stop()


def test_a_cut_ranking_is_not_trusted_past_its_depth() -> None:
    history = CustomerHistory("c", [0], {2}, [None])
    positions, scores = np.array([5, 2, 7], dtype=np.int64), np.array([3.0, 2.0, 1.0], dtype=np.float32)
    cut = Ranking(history, positions, scores, complete=False)
    top = cut.top(2, {2})
    assert top is not None and top[0].tolist() == [5, 7] and top[1].tolist() == [3.0, 1.0]
    assert cut.top(3, {2}) is None  # a fourth item may exist beyond the depth kept
    whole = Ranking(history, positions, scores, complete=True)
    top = whole.top(3, {2})
    assert top is not None and top[0].tolist() == [5, 7]  # nothing else exists
