"""``/readyz`` is readiness (model, profiles and search index loaded); ``/healthz`` stays liveness."""

from __future__ import annotations

import shutil
from collections.abc import Callable

from api_shop import T0
from fastapi.testclient import TestClient

from shelfwise.api import create_app
from shelfwise.domain import Item
from shelfwise.profiles import ProfileBook
from shelfwise.profiles.snapshot import PROFILES_FILE, profile_fields, read_snapshot
from shelfwise.search.snapshot import SNAPSHOT_DIR, read_meta
from shelfwise.service.context import ServiceContext
from shelfwise.service.serving import ServingEngine
from shelfwise.settings import Settings


def _settings(base: Settings) -> Settings:
    serve = base.serve.model_copy(update={"reload_poll_seconds": 0, "auth": False})
    return base.model_copy(update={"serve": serve})


def test_ready_once_model_profiles_and_search_index_are_loaded(shop: Callable[[], Settings]) -> None:
    with TestClient(create_app(_settings(shop()))) as client:
        answer = client.get("/readyz")
        assert answer.status_code == 200
        assert answer.json() == {
            "status": "ready",
            "profiles": True,
            "model": True,
            "search_index": True,
            "model_version": "v0001",
        }


def test_not_ready_without_a_model_while_still_alive(shop: Callable[[], Settings]) -> None:
    settings = _settings(shop())
    shutil.rmtree(settings.artifacts_dir)  # the shop's data, but no trained version
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert answer.json()["model"] is False


def test_ready_from_the_trained_snapshot_and_a_later_item_is_searchable(shop: Callable[[], Settings]) -> None:
    settings = _settings(shop())
    snapshot = settings.artifacts_dir / "v0001" / SNAPSHOT_DIR
    assert read_meta(snapshot) is not None and read_meta(snapshot).items == 5  # type: ignore[union-attr]
    ctx = ServiceContext(settings)  # an item written after training, while no server runs
    ctx.store.upsert_items([Item("grinder", "Burr Coffee Grinder", category=("Kitchen",))])
    ctx.close()
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").status_code == 200
        found = client.get("/v1/search", params={"q": "coffee grinder", "k": 3}).json()
        assert found["items"][0]["item_id"] == "grinder"


def test_profiles_start_from_the_trained_snapshot_and_a_forget_survives_a_restart(
    shop: Callable[[], Settings],
) -> None:
    settings = _settings(shop())
    path = settings.artifacts_dir / "v0001" / PROFILES_FILE
    assert path.exists()
    with TestClient(create_app(settings)) as client:
        engine: ServingEngine = client.app.state.engine  # type: ignore[attr-defined]
        assert engine.profiles.from_snapshot and engine.profiles.tail_events == 0
        forgotten = engine.profiles.customer_id("web-1")
        assert forgotten is not None
        event = {"user_id": "web-2", "item_id": "mug", "type": "purchase", "timestamp": T0 + 90_000}
        assert client.post("/v1/events", json=[event]).json()["stored"] == 1
        assert client.delete("/v1/customers/web-1").status_code == 200
    # The forgotten customer's events left the snapshot file too.
    left = read_snapshot(path).profiles  # type: ignore[union-attr]
    assert forgotten not in left and not any("web-1" in p.user_ids for p in left.values())
    with TestClient(create_app(settings)) as client:
        engine = client.app.state.engine  # type: ignore[attr-defined]
        assert engine.profiles.from_snapshot and engine.profiles.tail_events == 1
        assert engine.profiles.get("web-1") is None
        full = ProfileBook.load(engine.context.store, None, settings.serve.profile_max_items)
        assert sorted(map(profile_fields, engine.profiles.customers()), key=str) == sorted(
            map(profile_fields, full.customers()), key=str
        )
        assert "mug" in engine.profiles.get("web-2").purchased
