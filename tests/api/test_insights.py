"""The dashboard's JSON (``/v1/admin/overview``, ``/search-insights``, ``/data-quality``, ``/models``)
and the identity and model actions it offers, on the tiny shop of api_shop (known answers)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from api_shop import T0, train_version
from fastapi.testclient import TestClient

from shelfwise.api import create_app
from shelfwise.settings import Settings


@pytest.fixture
def client(shop: Callable[[], Settings]) -> Iterator[TestClient]:
    base = shop()
    serve = base.serve.model_copy(update={"reload_poll_seconds": 0, "auth": False})
    with TestClient(create_app(base.model_copy(update={"serve": serve}))) as test_client:
        yield test_client


def _ok(response):  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return response.json()


def test_overview_counts_days_channels_customers_and_coverage(client: TestClient) -> None:
    overview = _ok(client.get("/v1/admin/overview"))
    # 60 web and 40 app purchases on 2023-11-14, store-ann's purchase 9999 s later: the next UTC day.
    assert overview["days"] == ["2023-11-14", "2023-11-15"]
    assert overview["events_by_channel"] == {"app": [40, 0], "store": [0, 1], "web": [60, 0]}
    assert overview["events_by_type"] == {"purchase": [100, 1]}
    assert overview["events"] == 101 and overview["catalog_items"] == 5
    assert overview["active_customers"] == 71  # every buyer; web-bob has an account and no event
    assert overview["multichannel_customers"] == 0
    assert overview["model_version"] == "v0001"
    coverage = overview["coverage"]
    shown = set()
    for customer in sorted({p.customer_id for p in client.app.state.engine.profiles.customers()}):  # type: ignore[attr-defined]
        shown |= {s["item_id"] for s in _ok(client.get(f"/v1/recommendations/{customer}?k=10"))["items"]}
    assert coverage["customers"] == overview["customers"]  # fewer than 100: everyone is sampled
    assert coverage["items_shown"] == len(shown) and coverage["share"] == len(shown) / 5


def test_detach_and_reattach_move_a_linked_account(client: TestClient) -> None:
    # web-0 gets store-ann's email: the two accounts become one customer seen in two channels.
    linked = [{"user_id": "web-0", "channel": "web", "email": "ann@example.com"}]
    assert client.post("/v1/accounts", json=linked).status_code == 200
    ann = _ok(client.get("/v1/customers/store-ann/explain"))
    assert [a["user_id"] for a in ann["accounts"]] == ["web-0", "store-ann"]
    assert ann["links"] == [{"user_a": "web-0", "user_b": "store-ann", "key": ann["links"][0]["key"]}]
    assert ann["links"][0]["key"].startswith("email:")
    assert _ok(client.get("/v1/admin/overview"))["multichannel_customers"] == 1

    detached = _ok(client.post("/v1/admin/accounts/store-ann/detach"))
    assert detached["customer_id"] != ann["customer_id"]
    assert _ok(client.get("/v1/customers/web-0/explain"))["accounts"] == [
        {"user_id": "web-0", "channel": "web"}
    ]
    assert _ok(client.get("/v1/admin/overview"))["multichannel_customers"] == 0
    assert _ok(client.post("/v1/admin/accounts/store-ann/reattach"))["customer_id"] == ann["customer_id"]
    assert _ok(client.get("/v1/customers/store-ann"))["events_by_channel"] == {"store": 1, "web": 2}
    assert client.post("/v1/admin/accounts/nobody/detach").status_code == 404


def _search(user: str, query: str, at: int, shown: list[str], clicked: str | None) -> list[dict[str, object]]:
    base = {"user_id": user, "query": query, "session_id": f"{user}-{at}", "channel": "web"}
    rows = [{**base, "type": "search", "timestamp": T0 + at}]
    rows += [{**base, "type": "impression", "item_id": i, "timestamp": T0 + at + 1} for i in shown]
    if clicked:
        rows.append({**base, "type": "click", "item_id": clicked, "timestamp": T0 + at + 2})
    return rows


def test_search_insights_rank_queries_zero_results_and_low_click_through(client: TestClient) -> None:
    events = _search("web-1", "Red Kettle", 10, ["kettle"], "kettle")
    events += _search("web-2", "red  kettle", 20, ["kettle", "tea"], None)
    events += _search("web-3", "unicorn", 30, [], None)
    for n in range(5):  # five tea searches, one clicked
        events += _search(f"app-{n}", "tea", 40 + n * 10, ["tea"], "tea" if n == 0 else None)
    assert client.post("/v1/events", json=events).status_code == 200
    insights = _ok(client.get("/v1/admin/search-insights"))
    assert insights["searches"] == 8 and insights["distinct_queries"] == 3 and insights["logs_impressions"]
    assert [(q["query"], q["searches"], q["clicked"]) for q in insights["top"]] == [
        ("tea", 5, 1),
        ("red kettle", 2, 1),
        ("unicorn", 1, 0),
    ]
    assert [q["query"] for q in insights["zero_result"]] == ["unicorn"]
    assert [(q["query"], q["ctr"]) for q in insights["low_ctr"]] == [("tea", 0.2)]  # only one has 5 searches


def test_data_quality_lists_rejected_rows_by_reason(client: TestClient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = client.app.state.engine  # type: ignore[attr-defined]
    bad = tmp_path / "events.jsonl"
    bad.write_text(
        '{"user_id": "u", "item_id": "tea", "type": "view", "timestamp": "soon"}\n'
        '{"user_id": "v", "item_id": "tea", "type": "view", "timestamp": "later"}\n'
        '{"user_id": "w", "item_id": "tea", "type": "view"}\n'
    )
    from shelfwise.service.ingest import IngestService

    IngestService(engine.context).ingest_file("events", bad)
    quality = _ok(client.get("/v1/admin/data-quality"))
    assert quality["rejected_rows"] == 3
    assert [(r["reason"], r["rows"]) for r in quality["rejections"]] == [
        ("timestamp: unparsable timestamp …", 2),
        ("timestamp: missing required field", 1),
    ]
    assert quality["flagged"] == [] and quality["suppressed"] == []


def test_models_lists_versions_and_activates_one(client: TestClient) -> None:
    train_version(client.app.state.engine.context)  # type: ignore[attr-defined]
    assert _ok(client.post("/v1/admin/reload"))["version"] == "v0002"
    models = _ok(client.get("/v1/admin/models"))
    assert models["served"] == "v0002" and models["pinned"] is None
    assert [(v["version"], v["active"]) for v in models["versions"]] == [("v0002", True), ("v0001", False)]
    assert models["versions"][0]["data"]["events"] == 101 and models["versions"][0]["model"] == "transitions"
    assert _ok(client.post("/v1/admin/models/v0001/activate")) == {"version": "v0001", "previous": "v0002"}
    assert _ok(client.get("/v1/admin/models"))["pinned"] == "v0001"
    assert client.post("/v1/admin/models/v0009/activate").status_code == 404
