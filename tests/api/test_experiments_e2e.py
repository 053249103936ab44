"""A/B experiments on a real ``shelfwise serve``: an experiment created from another process is
routed within seconds; every account of one customer sees one variant; stopping returns everyone
to the served version at once."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from api_shop import build_shop, shop_settings, train_version
from live_server import SHELFWISE, running_server

from shelfwise.service.context import ServiceContext
from shelfwise.service.keys import KeyService

SHOPPERS = [f"web-{n}" for n in range(30)] + [f"app-{n}" for n in range(40)]


@dataclass
class Server:
    url: str
    env: dict[str, str]
    keys: dict[str, str]

    def client(self, scope: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.keys[scope]}"}, timeout=30
        )

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SHELFWISE), *args], env=self.env, capture_output=True, text=True, timeout=120
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("experiments")
    home = work / "home"
    build_shop(home, work)  # v0001
    ctx = ServiceContext(shop_settings(home))
    train_version(ctx)  # v0002, the served one
    keys = {scope: KeyService(ctx).create([scope]).key for scope in ("read", "ingest", "admin")}
    ctx.close()
    env = {
        **os.environ,
        "SHELFWISE_HOME": str(home),
        "SHELFWISE_SEARCH__ENCODER": "fake",
        "SHELFWISE_SERVE__RELOAD_POLL_SECONDS": "0.5",
        "SHELFWISE_SERVE__KEY_CACHE_SECONDS": "0",
    }
    with running_server(env, work) as url:
        yield Server(url, env, keys)


def _list(client: httpx.Client, user: str) -> dict:
    response = client.get(f"/v1/recommendations/{user}", params={"k": 3})
    assert response.status_code == 200, response.text
    return response.json()


def _wait_for(client: httpx.Client, user: str, experiment: str | None, seconds: float = 20) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        body = _list(client, user)
        if body.get("experiment") == experiment or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


def test_one_customer_one_variant_and_stop_returns_everyone(server: Server) -> None:
    admin, read = server.client("admin"), server.client("read")
    # a second account of Ann (same e-mail): one customer, two channels
    linked = server.client("ingest").post(
        "/v1/accounts", json=[{"user_id": "web-ann", "channel": "web", "email": "ann@example.com"}]
    )
    assert linked.status_code == 200, linked.text
    assert _list(read, "web-ann")["customer_id"] == _list(read, "store-ann")["customer_id"]

    created = server.cli(
        "experiments", "create", "ab", "--placement", "home",
        "--variant", "control=v0001", "--variant", "treatment=v0002", "--traffic", "50,50",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert _wait_for(read, "web-ann", "ab")["experiment"] == "ab"  # followed from another process

    variants: dict[str, str] = {}
    for user in [*SHOPPERS, "store-ann", "web-ann"]:
        first = _list(read, user)
        assert first["experiment"] == "ab" and first["request_id"]
        assert first["model_version"] == {"control": "v0001", "treatment": "v0002"}[first["variant"]]
        assert _list(read, user)["variant"] == first["variant"]  # stable
        variants[user] = first["variant"]
    assert variants["store-ann"] == variants["web-ann"]
    assert set(variants.values()) == {"control", "treatment"}
    # other placements are not in the experiment
    other = read.get("/v1/recommendations/web-1", params={"k": 3, "placement": "product"}).json()
    assert "experiment" not in other and other["model_version"] == "v0002"

    duplicate = admin.post(
        "/v1/admin/experiments",
        json={"name": "again", "placement": "home", "variants": {"a": "v0001", "b": "v0002"}},
    )
    assert duplicate.status_code == 409 and "already runs on placement" in duplicate.text
    unknown = admin.post(
        "/v1/admin/experiments",
        json={"name": "x", "placement": "cart", "variants": {"a": "v0001", "b": "v0042"}},
    )
    assert unknown.status_code == 404 and "v0042" in unknown.text
    bad_traffic = admin.post(
        "/v1/admin/experiments",
        json={
            "name": "x",
            "placement": "cart",
            "variants": {"a": "v0001", "b": "v0002"},
            "traffic": [50, 10],
        },
    )
    assert bad_traffic.status_code == 422 and "traffic" in bad_traffic.text

    stopped = admin.post("/v1/admin/experiments/ab/stop")
    assert stopped.status_code == 200 and stopped.json()["status"] == "stopped"
    for user in [*SHOPPERS, "store-ann"]:  # at once: the server that stopped it follows immediately
        body = _list(read, user)
        assert "experiment" not in body and body["model_version"] == "v0002", user
    listed = admin.get("/v1/admin/experiments").json()["experiments"]
    assert [(e["name"], e["status"]) for e in listed] == [("ab", "stopped")]
    assert server.cli("experiments", "stop", "ab").returncode != 0  # already stopped: one-line error


def test_the_report_counts_exactly_what_was_served_and_clicked(server: Server) -> None:
    admin, read, ingest = server.client("admin"), server.client("read"), server.client("ingest")
    created = admin.post(
        "/v1/admin/experiments",
        json={"name": "counted", "placement": "home", "variants": {"control": "v0001", "treatment": "v0002"}},
    )
    assert created.status_code == 201, created.text
    probe = _wait_for(read, "probe", "counted")  # the one routed list of the probe is counted too
    assert probe["experiment"] == "counted"
    tally = {"control": [0, 0, 0], "treatment": [0, 0, 0]}  # requests, impressions, clicks
    tally[probe["variant"]][:2] = [1, len(probe["items"])]
    events = []
    for user in SHOPPERS:
        body = _list(read, user)
        row = tally[body["variant"]]
        row[0] += 1
        row[1] += len(body["items"])
        if user.startswith("web-"):  # web shoppers click their first item
            row[2] += 1
            events.append({"event_id": f"click-{user}", "user_id": user, "type": "click",
                           "item_id": body["items"][0]["item_id"], "timestamp": time.time(),
                           "request_id": body["request_id"], "position": 0})  # fmt: skip
    assert ingest.post("/v1/events", json=events).status_code == 200
    assert ingest.post("/v1/events", json=events).status_code == 200  # re-posted: credited once

    report = server.cli("experiments", "report", "counted", "--json")
    assert report.returncode == 0, report.stderr
    found = json.loads(report.stdout)
    assert {"experiment", "variants", "lift", "ci95", "p_value", "srm_p_value", "decision"} <= set(found)
    for variant, (requests, impressions, clicks) in tally.items():
        row = found["variants"][variant]
        assert (row["requests"], row["impressions"], row["clicks"]) == (requests, impressions, clicks), (
            variant
        )
    assert admin.post("/v1/admin/experiments/counted/stop").status_code == 200


def test_ship_serves_the_chosen_variant_to_everyone(server: Server) -> None:
    admin, read = server.client("admin"), server.client("read")
    created = admin.post(
        "/v1/admin/experiments",
        json={"name": "shipped", "placement": "home", "variants": {"control": "v0002", "old": "v0001"}},
    )
    assert created.status_code == 201, created.text
    assert _wait_for(read, "probe", "shipped")["experiment"] == "shipped"
    no_winner = admin.post("/v1/admin/experiments/shipped/ship")
    assert no_winner.status_code == 409 and "no treatment beats control" in no_winner.text
    shipped = admin.post("/v1/admin/experiments/shipped/ship", json={"variant": "old"})
    assert shipped.status_code == 200 and shipped.json()["shipped_variant"] == "old"
    for user in SHOPPERS[:20]:
        body = _list(read, user)
        assert "experiment" not in body and body["model_version"] == "v0001", user
    listed = server.cli("models", "list")
    assert listed.returncode == 0 and "v0001" in listed.stdout
