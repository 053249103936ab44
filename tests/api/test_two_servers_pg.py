"""Two ``shelfwise serve`` processes on one PostgreSQL database and one shared SHELFWISE_HOME
(model artifacts): a write through either is in the other's answers within 1 s, keys are shared,
and a model trained once is served by both."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from api_shop import T0, build_shop, shop_settings, train_version
from live_server import free_port

from shelfwise.service.context import ServiceContext
from shelfwise.service.keys import KeyService

SHELFWISE = Path(sys.executable).with_name("shelfwise")
VISIBLE_WITHIN = 1.0  # seconds: the bound for a write through one server to reach another


@dataclass
class Cluster:
    urls: tuple[str, str]
    home: Path
    store_url: str
    keys: dict[str, str]

    def client(self, server: int, scope: str) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.keys[scope]}"}
        return httpx.Client(base_url=self.urls[server], headers=headers, timeout=10)


def _start(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    handle = log.open("w")
    process = subprocess.Popen(
        [str(SHELFWISE), "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=handle,
        stderr=handle,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.terminate()
            raise AssertionError(f"server did not start:\n{log.read_text()}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    from pg_store import fresh_database, server_problem

    if server_problem():
        pytest.skip(server_problem())
    work = tmp_path_factory.mktemp("two-servers")
    home = work / "home"
    with fresh_database() as store_url, pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHELFWISE_STORE_URL", store_url)  # Settings read it: the shop is built in PostgreSQL
        build_shop(home, work)
        ctx = ServiceContext(shop_settings(home))
        keys = {scope: KeyService(ctx).create([scope]).key for scope in ("read", "ingest", "admin")}
        ctx.close()
        env = {
            **os.environ,
            "SHELFWISE_HOME": str(home),
            "SHELFWISE_STORE_URL": store_url,
            "SHELFWISE_SEARCH__ENCODER": "fake",
            "SHELFWISE_SERVE__RELOAD_POLL_SECONDS": "0.5",
        }
        processes = []
        try:
            for n in range(2):
                processes.append(_start(env, work / f"server-{n}.log"))
            yield Cluster((processes[0][1], processes[1][1]), home, store_url, keys)
        finally:
            for process, _ in processes:
                process.terminate()
                process.wait(timeout=20)


def _top(client: httpx.Client, user: str) -> list[str]:
    response = client.get(f"/v1/recommendations/{user}", params={"k": 3})
    assert response.status_code == 200, response.text
    return [entry["item_id"] for entry in response.json()["items"]]


def _within(seconds: float, condition: Callable[[], bool]) -> float:
    """How long ``condition`` took to hold (fails when it does not within ``seconds``)."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < seconds, f"not visible within {seconds} s"
        time.sleep(0.02)
    return time.monotonic() - start


def test_an_event_posted_to_one_server_changes_the_others_next_recommendation(cluster: Cluster) -> None:
    writer, reader = cluster.client(0, "ingest"), cluster.client(1, "read")
    assert _top(reader, "web-bob")[0] == "socks"  # the best seller: bob has no history yet
    event = {"event_id": "two-1", "user_id": "web-bob", "item_id": "kettle", "type": "view",
             "timestamp": T0 + 50_000, "channel": "app"}  # fmt: skip
    assert writer.post("/v1/events", json=[event]).json()["stored"] == 1
    _within(VISIBLE_WITHIN, lambda: _top(reader, "web-bob")[0] == "tea")
    # The same event through the other server is a duplicate: one store, one idempotency key.
    assert cluster.client(1, "ingest").post("/v1/events", json=[event]).json()["duplicate"] == 1


def test_a_forget_through_one_server_is_honoured_by_the_other(cluster: Cluster) -> None:
    event = {"user_id": "app-carol", "item_id": "phone", "type": "view", "timestamp": T0 + 60_000,
             "channel": "app"}  # fmt: skip
    assert cluster.client(1, "ingest").post("/v1/events", json=[event]).json()["stored"] == 1
    reader = cluster.client(0, "read")
    _within(VISIBLE_WITHIN, lambda: reader.get("/v1/customers/app-carol").status_code == 200)
    assert cluster.client(1, "admin").delete("/v1/customers/app-carol").json()["events_deleted"] == 1
    _within(VISIBLE_WITHIN, lambda: reader.get("/v1/customers/app-carol").status_code == 404)


def test_keys_are_shared_and_a_model_trained_once_is_served_by_both(cluster: Cluster) -> None:
    readers = [cluster.client(n, "read") for n in range(2)]
    # A forget through one server (an earlier test) publishes a recounted version: both servers
    # converge on whatever is current before the new training.
    served = lambda: {r.get("/healthz").json()["model_version"] for r in readers}  # noqa: E731
    _within(15, lambda: len(served()) == 1)
    current = served().pop()
    expected = f"v{int(current[1:]) + 1:04d}"
    ctx = ServiceContext(shop_settings(cluster.home).model_copy(update={"store_url": cluster.store_url}))
    try:
        train_version(ctx)
    finally:
        ctx.close()
    for reader in readers:
        _within(15, lambda reader=reader: reader.get("/healthz").json()["model_version"] == expected)
        assert _top(reader, "web-bob")[0] == "tea"
