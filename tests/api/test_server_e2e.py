"""End to end on a real server process: ``shelfwise serve`` (uvicorn) on a free localhost port.

Keys come from ``shelfwise keys create``; the next recommendation follows the last posted event; a
training run while the server is up is picked up by its poll; forget leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from api_shop import T0, build_shop, shop_settings, train_version
from live_server import SHELFWISE, running_server

from shelfwise.service.context import ServiceContext
from shelfwise.service.keys import KeyService


@dataclass
class Server:
    url: str
    home: Path
    env: dict[str, str]
    keys: dict[str, str]

    def client(self, scope: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.keys[scope]}"} if scope else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("e2e")
    home = work / "home"
    build_shop(home, work)
    env = {
        **os.environ,
        "SHELFWISE_HOME": str(home),
        "SHELFWISE_SEARCH__ENCODER": "fake",
        "SHELFWISE_SERVE__RELOAD_POLL_SECONDS": "0.5",
        "SHELFWISE_SERVE__KEY_CACHE_SECONDS": "0",
    }
    created = subprocess.run(
        [str(SHELFWISE), "keys", "create", "--scope", "read"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    keys = {"read": created.stdout.strip().splitlines()[-1]}  # the key alone on the last line
    ctx = ServiceContext(shop_settings(home))
    keys.update({scope: KeyService(ctx).create([scope]).key for scope in ("ingest", "admin")})
    ctx.close()
    with running_server(env, work) as url:
        yield Server(url, home, env, keys)


def _top(client: httpx.Client, user: str) -> list[str]:
    response = client.get(f"/v1/recommendations/{user}", params={"k": 3})
    assert response.status_code == 200, response.text
    return [entry["item_id"] for entry in response.json()["items"]]


def test_the_next_request_reflects_the_last_event(server: Server) -> None:
    reader, writer = server.client("read"), server.client("ingest")
    assert _top(reader, "web-bob")[0] == "socks"
    event = {
        "event_id": "e2e-1",
        "user_id": "web-bob",
        "item_id": "kettle",
        "type": "view",
        "timestamp": T0 + 50_000,
        "channel": "app",
    }
    assert writer.post("/v1/events", json=[event]).json()["stored"] == 1
    assert _top(reader, "web-bob")[0] == "tea"  # no sleep, no retraining
    assert writer.post("/v1/events", json=[event]).json()["duplicate"] == 1


def test_a_dismiss_takes_effect_on_the_next_request(server: Server) -> None:
    reader, writer = server.client("read"), server.client("ingest")
    view = {"user_id": "web-dan", "item_id": "kettle", "type": "view", "timestamp": T0 + 70_000}
    assert writer.post("/v1/events", json=[view]).json()["stored"] == 1
    assert _top(reader, "web-dan")[0] == "tea"
    dismiss = {"user_id": "web-dan", "item_id": "tea", "type": "dismiss", "timestamp": T0 + 70_010}
    assert writer.post("/v1/events", json=[dismiss]).json()["stored"] == 1
    assert "tea" not in _top(reader, "web-dan")  # no sleep, no retraining
    assert reader.get("/v1/customers/web-dan").json()["disliked"] == ["tea"]
    unknown = writer.post("/v1/events", json=[{**dismiss, "type": "dislike"}])
    assert unknown.status_code == 422 and "type" in unknown.text


def test_wrong_or_missing_keys_are_refused(server: Server) -> None:
    anonymous, reader = server.client(None), server.client("read")
    assert anonymous.get("/v1/recommendations/web-bob").status_code == 401
    assert reader.post("/v1/events", json=[]).status_code == 403
    assert reader.delete("/v1/customers/web-bob").status_code == 403
    forged = httpx.get(
        f"{server.url}/v1/recommendations/web-bob", headers={"Authorization": "Bearer sw_kx_y"}
    )
    assert forged.status_code == 401


def test_forget_leaves_nothing_to_serve(server: Server) -> None:
    reader, writer, admin = server.client("read"), server.client("ingest"), server.client("admin")
    writer.post(
        "/v1/events",
        json=[
            {
                "user_id": "app-carol",
                "item_id": "phone",
                "type": "view",
                "timestamp": T0 + 60_000,
                "channel": "app",
            }
        ],
    )
    assert reader.get("/v1/customers/app-carol").status_code == 200
    forgotten = admin.delete("/v1/customers/app-carol").json()
    assert forgotten["events_deleted"] == 1
    assert forgotten["model_version"] == "v0002"  # the served counts were recomputed without Carol
    assert reader.get("/v1/customers/app-carol").status_code == 404
    answer = reader.get("/v1/recommendations/app-carol").json()
    assert answer["customer_id"] is None
    assert not any("Nimbus" in reason for entry in answer["items"] for reason in entry["reasons"])


def test_a_new_training_is_picked_up_while_serving(server: Server) -> None:
    reader = server.client("read")
    assert reader.get("/healthz").json()["model_version"] == "v0002"  # v0001 recounted after a forget
    ctx = ServiceContext(shop_settings(server.home))
    try:
        train_version(ctx)
    finally:
        ctx.close()
    _wait_for_version(reader, "v0003")
    assert _top(reader, "web-bob")  # still answering
    assert 'shelfwise_model_info{version="v0003"} 1.0' in reader.get("/metrics").text


def _cli(server: Server, *args: str) -> str:
    done = subprocess.run([str(SHELFWISE), *args], env=server.env, capture_output=True, text=True, check=True)
    return done.stdout


def _wait_for_version(client: httpx.Client, version: str) -> None:
    deadline = time.monotonic() + 15
    while client.get("/healthz").json()["model_version"] != version:
        assert time.monotonic() < deadline, f"the server did not switch to {version}"
        time.sleep(0.2)


def test_rollback_from_the_cli_and_back(server: Server) -> None:
    reader = server.client("read")
    _wait_for_version(reader, "v0003")
    assert "serving v0002" in _cli(server, "models", "rollback")
    _wait_for_version(reader, "v0002")
    listing = _cli(server, "models", "list")
    assert "* v0002" in listing and "(pinned)" in listing
    _cli(server, "models", "use", "latest")
    _wait_for_version(reader, "v0003")


def test_a_revoked_key_is_refused(server: Server) -> None:
    reader = server.client("read")
    assert reader.get("/v1/customers/web-bob").status_code == 200
    key_id = server.keys["read"].split("_")[1]
    assert key_id in _cli(server, "keys", "list")
    _cli(server, "keys", "revoke", key_id)
    assert reader.get("/v1/customers/web-bob").status_code == 401


def _fresh_reader(server: Server) -> httpx.Client:
    """A new read key: an earlier test revokes the module's one."""
    ctx = ServiceContext(shop_settings(server.home))
    try:
        key = KeyService(ctx).create(["read"]).key
    finally:
        ctx.close()
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=10)


def test_a_synonym_added_through_the_cli_changes_the_next_search(server: Server) -> None:
    reader = _fresh_reader(server)
    before = reader.get("/v1/search", params={"q": "mobile", "k": 3}).json()
    assert [step["step"] for step in before["relaxed"]] == ["semantic"]  # no item says "mobile"
    assert "added synonym" in _cli(server, "synonyms", "add", "mobile => smartphone")
    after = reader.get("/v1/search", params={"q": "mobile", "k": 3}).json()  # no wait, no reload
    assert after["items"][0]["item_id"] == "phone" and after["relaxed"] == []
    assert "synonym: 'smartphone' for 'mobile'" in after["items"][0]["reasons"]
    listed = _cli(server, "synonyms", "list")
    rule_id = listed.split()[0]
    _cli(server, "synonyms", "remove", rule_id)
    again = reader.get("/v1/search", params={"q": "mobile", "k": 3}).json()
    assert [step["step"] for step in again["relaxed"]] == ["semantic"]


def test_query_rules_and_suggestions_over_http(server: Server) -> None:
    reader, admin = _fresh_reader(server), server.client("admin")
    assert reader.post("/v1/admin/query-rules", json={}).status_code == 403
    created = admin.post(
        "/v1/admin/query-rules", json={"query": "Kettle", "action": "pin", "item_id": "socks", "position": 1}
    )
    assert created.status_code == 201, created.text
    pinned = reader.get("/v1/search", params={"q": "kettle", "k": 2}).json()["items"]
    assert [entry["item_id"] for entry in pinned] == ["socks", "kettle"]
    assert admin.delete(f"/v1/admin/query-rules/{created.json()['id']}").status_code == 200
    assert admin.delete(f"/v1/admin/query-rules/{created.json()['id']}").status_code == 404
    suggestions = reader.get("/v1/suggest", params={"q": "nim"}).json()["suggestions"]
    assert suggestions[0] == {"text": "nimbus", "score": suggestions[0]["score"], "source": "catalog"}
    assert server.client(None).get("/v1/suggest", params={"q": "nim"}).status_code == 401
    assert (
        json.loads(_cli(server, "suggest", "nimbs", "--json"))["suggestions"][0]["text"] == "nimbus"
    )  # typo
    listed = admin.get("/v1/admin/synonyms/suggestions").json()
    assert listed == {"suggestions": []}  # this shop's log has no searches yet
