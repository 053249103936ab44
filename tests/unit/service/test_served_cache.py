"""The served-list cache: a repeated request gets the list a fresh computation would give, byte for
byte but its request id, and every change the list depends on (the customer's next event, a stock
or catalog change, a change-log entry such as a rule, a new model version, a forget, an
experiment) makes the next request compute afresh."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from shelfwise.service.context import ServiceContext
from shelfwise.service.experiments import ExperimentService
from shelfwise.service.ingest import IngestService
from shelfwise.service.pipeline import RankedList
from shelfwise.service.serving import ServingEngine
from shelfwise.settings import Settings
from shelfwise.testing.pairs_shop import ITEMS, T0, pairs_shop_files
from shelfwise.training.job import TrainOptions, train


def _train(home: Path) -> str:
    ctx = ServiceContext(Settings(home=home, search={"encoder": "fake"}))
    options = TrainOptions(seed=0, max_minutes=1, progress=False, encoder="fake", model="transitions")
    version = train(ctx.settings, ctx.store, options).name
    ctx.close()
    return version


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Other shoppers buy phone → case and kettle → tea; socks are the best seller; bob viewed
    the phone."""
    work = tmp_path_factory.mktemp("served-cache")
    ctx = ServiceContext(Settings(home=work / "home", search={"encoder": "fake"}))
    ingest = IngestService(ctx)
    items, events = pairs_shop_files(work)
    ingest.ingest_file("items", items)
    ingest.ingest_file("events", events)
    ctx.close()
    _train(work / "home")
    return work / "home"


def _start(home: Path, tmp_path: Path, lists: int) -> ServingEngine:
    copy = tmp_path / f"home-{lists}"
    shutil.copytree(home, copy)
    settings = Settings(home=copy, search={"encoder": "fake"}, serve={"served_list_cache_lists": lists})
    engine = ServingEngine(ServiceContext(settings))
    engine.start(poll=False)
    return engine


@pytest.fixture
def engine(home: Path, tmp_path: Path) -> Iterator[ServingEngine]:
    started = _start(home, tmp_path, 100)
    yield started
    started.stop()


def _encode(ranked: RankedList) -> bytes:
    return orjson.dumps({"request_id": ranked.request_id, "items": [s.item_id for s in ranked.items]})


def _top(engine: ServingEngine, user: str = "bob") -> list[str]:
    return [s.item_id for s in engine.recommend(user, 3)]


def _answered_from_cache(engine: ServingEngine, call: object) -> bool:
    hits = engine.served_lists.hits
    assert callable(call)
    call()
    return engine.served_lists.hits == hits + 1


def test_a_repeated_request_is_the_fresh_answer_but_its_request_id(
    engine: ServingEngine, home: Path, tmp_path: Path
) -> None:
    uncached = _start(home, tmp_path, 0)
    try:
        first, second = engine.recommend("bob", 3), engine.recommend("bob", 3)
        fresh = uncached.recommend("bob", 3)
        assert engine.served_lists.hits == 1 and len(uncached.served_lists) == 0
        assert [s.item_id for s in first] == ["case", "kettle", "socks"]
        assert len({first.request_id, second.request_id, fresh.request_id}) == 3
        for ranked in (second, fresh):
            assert (ranked.items, ranked.model_version, ranked.customer_id, ranked.placement) == (
                first.items,
                first.model_version,
                first.customer_id,
                first.placement,
            )
        # Bodies: a hit splices its own id into the cached bytes; they equal a fresh encoding.
        bodies = [engine.recommend_body("bob", 3, (), None, _encode) for _ in range(3)]
        fresh_body = uncached.recommend_body("bob", 3, (), None, _encode)
        ids = [orjson.loads(body)["request_id"] for body in [*bodies, fresh_body]]
        assert len(set(ids)) == 4
        for body, request_id in zip([*bodies, fresh_body], ids, strict=True):
            assert body.replace(request_id.encode(), b"ID") == fresh_body.replace(ids[-1].encode(), b"ID")
    finally:
        uncached.stop()


def test_every_answer_is_logged_under_its_own_request_id(engine: ServingEngine) -> None:
    ids = [orjson.loads(engine.recommend_body("bob", 3, (), None, _encode))["request_id"] for _ in range(3)]
    assert engine.impressions is not None
    engine.impressions.flush()
    store = engine.context.store
    logged = {
        r: [i.item_id for i in sorted(store.impressions_of_request(r), key=lambda i: i.position)] for r in ids
    }
    assert logged == {r: ["case", "kettle", "socks"] for r in ids}


def test_the_customers_next_event_is_in_the_next_answer(engine: ServingEngine) -> None:
    assert _top(engine)[0] == "case"
    assert _answered_from_cache(engine, lambda: _top(engine))
    engine.ingest("events", [{"user_id": "bob", "item_id": "kettle", "type": "view", "timestamp": T0 + 9100}])
    assert _top(engine)[0] == "tea"
    # Another customer's event leaves bob's list cached.
    engine.ingest("events", [{"user_id": "u1", "item_id": "phone", "type": "view", "timestamp": T0 + 9200}])
    assert _answered_from_cache(engine, lambda: _top(engine))


def test_a_stock_change_is_in_the_next_answer(engine: ServingEngine) -> None:
    assert _top(engine)[0] == "case"
    engine.ingest("items", [{"item_id": "case", "title": ITEMS[1][1], "in_stock": False}])
    assert "case" not in _top(engine)
    engine.ingest("items", [{"item_id": "case", "title": ITEMS[1][1], "in_stock": True}])
    assert _top(engine)[0] == "case"


def test_a_catalog_change_is_in_the_next_answer(engine: ServingEngine) -> None:
    def reasons() -> str:
        return " ".join(engine.recommend("bob", 3).items[0].reasons)

    assert "Nimbus X12 Smartphone" in reasons()
    engine.ingest("items", [{"item_id": "phone", "title": "Nimbus X13 Phone"}])
    assert "Nimbus X13 Phone" in reasons() and "Nimbus X12 Smartphone" not in reasons()


def test_a_rule_change_in_the_change_log_computes_afresh(engine: ServingEngine) -> None:
    _top(engine)
    assert _answered_from_cache(engine, lambda: _top(engine))
    engine.context.store.add_search_rule("synonym", {"terms": ["phone", "mobile"]})
    engine.sync()
    assert not _answered_from_cache(engine, lambda: _top(engine))
    assert _answered_from_cache(engine, lambda: _top(engine))


def test_a_new_model_version_answers_the_next_request(engine: ServingEngine) -> None:
    before = engine.recommend("bob", 3)
    assert engine.recommend("bob", 3).model_version == before.model_version  # cached
    version = _train(engine.context.settings.home)
    assert version != before.model_version
    engine.reload()
    after = engine.recommend("bob", 3)
    assert after.model_version == version and after.items == before.items


def test_a_forgotten_customer_gets_the_cold_start_list(engine: ServingEngine) -> None:
    assert _top(engine)[0] == "case"
    engine.forget("bob")
    ranked = engine.recommend("bob", 3)
    assert ranked.customer_id is None and ranked.items[0].item_id == "socks"
    assert "case" not in [s.item_id for s in ranked.items]


def test_an_experiment_names_its_variant_from_the_next_request(engine: ServingEngine) -> None:
    version = engine.version
    assert version is not None and engine.recommend("bob", 3).experiment is None
    ExperimentService(engine.context).create("ab", "home", [("control", version), ("treatment", version)])
    engine.sync()
    ranked = engine.recommend("bob", 3)
    assert ranked.experiment == "ab" and ranked.variant in ("control", "treatment")


def test_following_unchanged_experiments_keeps_the_cached_lists(engine: ServingEngine) -> None:
    _top(engine)
    engine.follow_experiments(engine.context.store)  # what the model poller does every few seconds
    assert _answered_from_cache(engine, lambda: _top(engine))
