"""Every route through FastAPI's TestClient, on the tiny shop of conftest.py (known answers)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from api_shop import T0, train_version
from fastapi.testclient import TestClient

from shelfwise.api import create_app
from shelfwise.service.context import ServiceContext
from shelfwise.service.ingest import IngestService
from shelfwise.service.keys import KeyService
from shelfwise.settings import Settings


def _settings(base: Settings, **serve: object) -> Settings:
    overrides = {"reload_poll_seconds": 0, "key_cache_seconds": 0, "auth": False, **serve}
    return base.model_copy(update={"serve": base.serve.model_copy(update=overrides)})


@pytest.fixture
def client(shop: Callable[[], Settings]) -> Iterator[TestClient]:
    with TestClient(create_app(_settings(shop()))) as test_client:
        yield test_client


def _ids(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return [entry["item_id"] for entry in response.json()["items"]]


def _view(user: str, item: str, seconds: int, **extra: object) -> dict[str, object]:
    return {"user_id": user, "item_id": item, "type": "view", "timestamp": T0 + 100_000 + seconds, **extra}


# ----------------------------------------------------------------------------- reading
def test_health_and_metrics(client: TestClient) -> None:
    health = client.get("/healthz").json()
    # 30 + 40 shoppers, store-ann and web-bob: 72 accounts, none sharing a key, so 72 customers.
    assert health == {"status": "ok", "model_version": "v0001", "items": 5, "customers": 72}
    client.get("/v1/recommendations/web-bob")
    text = client.get("/metrics").text
    assert (
        'shelfwise_http_request_duration_seconds_count{method="GET",route="/v1/recommendations/{user_id}",status="200"} 1.0'
        in text
    )
    assert 'shelfwise_model_info{version="v0001"} 1.0' in text


def test_recommendations_follow_the_next_event(client: TestClient) -> None:
    assert _ids(client.get("/v1/recommendations/web-bob?k=3"))[0] == "socks"  # no history: best seller
    posted = client.post("/v1/events", json=[_view("web-bob", "kettle", 1, channel="web")])
    assert posted.json()["stored"] == 1
    answer = client.get("/v1/recommendations/web-bob?k=3").json()
    assert answer["items"][0]["item_id"] == "tea"
    assert any("Electric Kettle" in reason for reason in answer["items"][0]["reasons"])
    assert answer["model_version"] == "v0001"


def test_recommendations_exclude_and_k(client: TestClient) -> None:
    client.post("/v1/events", json=[_view("web-bob", "kettle", 1)])
    assert "tea" not in _ids(client.get("/v1/recommendations/web-bob?k=2&exclude=tea,socks"))
    assert len(_ids(client.get("/v1/recommendations/web-bob?k=2"))) == 2


def test_purchase_in_store_shapes_web_recommendations_once_accounts_link(client: TestClient) -> None:
    # web-ann is new; her store account bought a phone. Linking by email must bring the case first.
    client.post("/v1/events", json=[_view("web-ann", "socks", 1, channel="web")])
    assert _ids(client.get("/v1/recommendations/web-ann?k=3"))[0] != "case"
    linked = client.post(
        "/v1/accounts", json=[{"user_id": "web-ann", "channel": "web", "email": "ANN@example.com "}]
    )
    assert linked.status_code == 200
    profile = client.get("/v1/customers/web-ann").json()
    assert {a["user_id"] for a in profile["accounts"]} == {"web-ann", "store-ann"}
    assert profile["events_by_channel"] == {"store": 1, "web": 1}
    assert profile["purchased"] == ["phone"]
    assert profile["recent"][0]["item_id"] == "socks"  # newest first
    assert "phone" not in _ids(client.get("/v1/recommendations/web-ann?k=3"))  # bought, in store
    by_customer = client.get(f"/v1/customers/{profile['customer_id']}").json()
    assert by_customer["customer_id"] == profile["customer_id"]


def test_search_similar_and_complementary(client: TestClient) -> None:
    assert _ids(client.get("/v1/search?q=kettle&k=3"))[0] == "kettle"
    assert client.get("/v1/search").json()["errors"][0]["field"] == "q"
    similar = _ids(client.get("/v1/items/phone/similar?k=4"))
    assert "phone" not in similar and similar[0] == "case"  # shares "Nimbus X12"
    assert "case" in _ids(client.get("/v1/items/phone/complementary?k=4"))  # bought after phones
    assert client.get("/v1/items/nothing/similar").status_code == 404


def test_unknown_ids_are_404_or_cold_start(client: TestClient) -> None:
    assert client.get("/v1/customers/nobody").status_code == 404
    assert client.get("/v1/items/nothing").status_code == 404
    assert _ids(client.get("/v1/recommendations/nobody?k=1")) == ["socks"]
    assert client.get("/v1/items/kettle").json()["category"] == ["Kitchen"]


def test_query_parameters_are_validated_naming_the_field(client: TestClient) -> None:
    response = client.get("/v1/recommendations/web-bob?k=0")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "k"
    placement = client.get("/v1/recommendations/web-bob?placement=moon")
    assert placement.status_code == 422 and placement.json()["errors"][0]["field"] == "placement"
    assert client.get("/v1/recommendations/web-bob?placement=cart").status_code == 200


# ----------------------------------------------------------------------------- writing
def test_events_are_idempotent_by_event_id_and_content(client: TestClient) -> None:
    batch = [
        _view("web-bob", "kettle", 1, event_id="e-1"),
        _view("web-bob", "kettle", 1, event_id="e-1"),  # the same id twice in one batch
        _view("web-bob", "tea", 2),
    ]
    first = client.post("/v1/events", json=batch).json()
    assert [r["status"] for r in first["results"]] == ["stored", "duplicate", "stored"]
    again = client.post("/v1/events", json=batch).json()
    assert (again["stored"], again["duplicate"]) == (0, 3)
    assert client.get("/v1/customers/web-bob").json()["events"] == 2  # duplicates never reach the profile


def test_a_bad_row_rejects_the_whole_batch(client: TestClient) -> None:
    batch = [
        _view("web-bob", "kettle", 1),
        {"user_id": "web-bob", "item_id": "tea", "type": "view", "timestamp": "soon"},
    ]
    response = client.post("/v1/events", json=batch)
    assert response.status_code == 422
    body = response.json()
    assert body["errors"] == [
        {"row": 1, "field": "timestamp", "message": "timestamp: unparsable timestamp 'soon'"}
    ]
    assert "timestamp" in body["detail"]
    assert client.get("/v1/customers/web-bob").json()["events"] == 0  # row 0 was not written either
    missing = client.post("/v1/items", json=[{"item_id": "x"}])
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "title"
    assert client.post("/v1/events", content=b"{not json").status_code == 422
    assert client.post("/v1/events", json=[1]).json()["errors"][0]["message"] == "expected a JSON object"


def test_limits_give_413(shop: Callable[[], Settings]) -> None:
    with TestClient(create_app(_settings(shop(), max_batch_rows=2, max_body_bytes=2048))) as client:
        rows = [_view("web-bob", "tea", n) for n in range(3)]
        assert client.post("/v1/events", json=rows).status_code == 413
        big = [{"item_id": "big", "title": "x" * 4000}]
        response = client.post("/v1/items", json=big)
        assert response.status_code == 413
        assert "2048" in response.json()["detail"]
        assert client.get("/v1/items/big").status_code == 404


def test_a_new_item_is_recommendable_through_its_text(client: TestClient) -> None:
    client.post("/v1/events", json=[_view("web-bob", "kettle", 1)])
    posted = client.post(
        "/v1/items", json=[{"item_id": "kettle-2", "title": "Electric Kettle 1.7L Stainless Steel, Black"}]
    )
    assert posted.json()["results"] == [{"row": 0, "id": "kettle-2", "status": "stored"}]
    engine = client.app.state.engine  # type: ignore[attr-defined]
    assert engine.active().fresh.wait_idle(10)
    answer = client.get("/v1/recommendations/web-bob?k=4").json()["items"]
    fresh = [entry for entry in answer if entry["item_id"] == "kettle-2"]
    assert fresh and "new arrival" in fresh[0]["reasons"][0]
    assert client.get("/v1/items/kettle-2").json()["title"].startswith("Electric Kettle")
    assert _ids(client.get("/v1/items/kettle-2/similar?k=1")) == ["kettle"]  # by text, before any training
    assert "kettle-2" in _ids(client.get("/v1/search?q=black+kettle&k=3"))


def test_forget_removes_everything_about_the_customer(client: TestClient) -> None:
    client.post("/v1/events", json=[_view("web-bob", "kettle", 1, channel="web")])
    forgotten = client.delete("/v1/customers/web-bob").json()
    assert forgotten["user_ids"] == ["web-bob"] and forgotten["events_deleted"] == 1
    assert client.get("/v1/customers/web-bob").status_code == 404
    answer = client.get("/v1/recommendations/web-bob?k=3").json()
    assert answer["customer_id"] is None
    assert answer["items"][0]["item_id"] == "socks"
    assert not any("Kettle" in r for entry in answer["items"] for r in entry["reasons"])
    store = client.app.state.engine.context.store  # type: ignore[attr-defined]
    assert store.get_account("web-bob") is None
    assert not list(store.iter_events(user_ids=["web-bob"]))
    assert client.delete("/v1/customers/web-bob").status_code == 404


# ----------------------------------------------------------------------------- model lifecycle
def test_reload_rollback_and_use_latest(client: TestClient) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    train_version(engine.context)
    assert client.post("/v1/admin/reload").json() == {"version": "v0002", "previous": "v0001"}
    assert client.post("/v1/admin/rollback").json() == {"version": "v0001", "previous": "v0002"}
    assert client.get("/healthz").json()["model_version"] == "v0001"
    assert client.post("/v1/admin/use-latest").json()["version"] == "v0002"
    assert 'shelfwise_model_info{version="v0002"} 1.0' in client.get("/metrics").text
    assert _ids(client.get("/v1/recommendations/web-bob?k=1")) == ["socks"]


# ----------------------------------------------------------------------------- security
def test_keys_and_scopes(shop: Callable[[], Settings]) -> None:
    settings = _settings(shop(), auth=True)
    keys = KeyService(ServiceContext(settings))
    read = keys.create(["read"]).key
    ingest = keys.create(["ingest"]).key
    admin = keys.create(["admin"], name="ops").key

    def auth(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/recommendations/web-bob").status_code == 401
        assert client.get("/v1/recommendations/web-bob", headers=auth("sw_kbad_nope")).status_code == 401
        assert client.get("/v1/recommendations/web-bob", headers=auth(read)).status_code == 200
        event = [_view("web-bob", "kettle", 1)]
        assert client.post("/v1/events", json=event, headers=auth(read)).status_code == 403
        assert client.post("/v1/events", json=event, headers=auth(ingest)).status_code == 200
        assert client.get("/v1/customers/web-bob", headers=auth(ingest)).status_code == 403
        assert client.delete("/v1/customers/web-bob", headers=auth(read)).status_code == 403
        assert client.post("/v1/admin/reload", headers=auth(admin)).status_code == 200
        assert client.get("/healthz").status_code == 200  # health and metrics stay open
        keys.revoke(read.split("_")[1])
        assert client.get("/v1/recommendations/web-bob", headers=auth(read)).status_code == 401
        # The page asks for a key, then keeps it in a cookie.
        assert client.get("/").status_code == 401
        login = client.post("/ui/login", content=f"key={admin}", follow_redirects=False)
        assert login.status_code == 303
        assert client.get("/").status_code == 200
        assert (
            client.get("/v1/recommendations/web-bob").status_code == 401
        )  # API routes never take the cookie


# ----------------------------------------------------------------------------- the page
def test_page_shows_profile_recommendations_and_items(client: TestClient) -> None:
    client.post("/v1/accounts", json=[{"user_id": "web-ann", "channel": "web", "email": "ann@example.com"}])
    client.post("/v1/events", json=[_view("web-ann", "kettle", 1, channel="web")])
    home = client.get("/")
    assert home.status_code == 200 and "/ui/customers/" in home.text
    page = client.get("/ui/customers/web-ann").text
    assert "store-ann" in page and "web-ann" in page  # both channels' accounts
    assert "Green Tea Loose Leaf" in page  # the recommendation after the kettle view
    assert "because you viewed" in page  # ... with its reason
    item = client.get("/ui/items/kettle")
    assert item.status_code == 200 and "Electric Kettle" in item.text
    assert client.get("/ui/items/nothing").status_code == 404
    assert client.get("/ui/search?q=kettle").status_code == 200
    assert client.get("/docs").status_code == 200


# ----------------------------------------------------------------------------- several processes
def _eventually(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return False


def test_two_workers_see_each_others_writes(shop: Callable[[], Settings]) -> None:
    settings = _settings(shop(), sync_seconds=0.05)
    with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
        first.post("/v1/events", json=[_view("web-bob", "kettle", 1)])
        assert _eventually(lambda: _ids(second.get("/v1/recommendations/web-bob?k=1")) == ["tea"])
        first.post(
            "/v1/accounts", json=[{"user_id": "web-ann", "channel": "web", "email": "ann@example.com"}]
        )
        assert _eventually(lambda: second.get("/v1/customers/web-ann").json().get("purchased") == ["phone"])
        first.delete("/v1/customers/web-bob")
        assert _eventually(lambda: second.get("/v1/customers/web-bob").status_code == 404)
        first.post("/v1/items", json=[{"item_id": "mug", "title": "Ceramic Mug"}])
        assert _eventually(lambda: second.get("/v1/items/mug").status_code == 200)


def test_file_ingest_while_serving_is_picked_up(client: TestClient, tmp_path: Path) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    rows = tmp_path / "events.jsonl"
    rows.write_text(json.dumps(_view("web-bob", "phone", 1)) + "\n")
    other_process = ServiceContext(engine.context.settings)
    IngestService(other_process).ingest_file("events", rows)
    other_process.close()
    engine.sync()  # what the follower does every sync_seconds
    assert _ids(client.get("/v1/recommendations/web-bob?k=1")) == ["case"]


def test_a_broken_optional_artifact_does_not_stop_recommendations(shop: Callable[[], Settings]) -> None:
    settings = _settings(shop())
    (settings.artifacts_dir / "v0001" / "complements" / "meta.json").write_text("{not json")
    with TestClient(create_app(settings)) as client:
        assert _ids(client.get("/v1/recommendations/web-bob?k=1")) == ["socks"]
        assert client.get("/v1/items/phone/complementary").status_code == 503
        assert client.get("/v1/search?q=kettle").status_code == 200
