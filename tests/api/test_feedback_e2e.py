"""The feedback loop end to end on a real ``shelfwise serve``: request ids round-trip into online
metrics, a click is credited once, a purchase on another channel is credited to the list the
customer saw on the web, forget removes the log, and a clean stop under load loses no impression."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from api_shop import build_shop, shop_settings
from live_server import running_server, server_process

from shelfwise.storage import open_store


@dataclass
class Shop:
    home: Path
    work: Path

    def env(self, home: Path) -> dict[str, str]:
        return {
            **os.environ,
            "SHELFWISE_HOME": str(home),
            "SHELFWISE_SEARCH__ENCODER": "fake",
            "SHELFWISE_SERVE__AUTH": "false",
            "SHELFWISE_SERVE__RELOAD_POLL_SECONDS": "0",
            "SHELFWISE_SERVE__REFIT_ON_FORGET": "false",
        }


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Shop:
    work = tmp_path_factory.mktemp("feedback-e2e")
    build_shop(work / "home", work)
    return Shop(work / "home", work)


@pytest.fixture(scope="module")
def client(shop: Shop) -> Iterator[httpx.Client]:
    home = shop.work / "served"
    shutil.copytree(shop.home, home)
    work = shop.work / "served-log"
    work.mkdir()
    with running_server(shop.env(home), work) as url, httpx.Client(base_url=url, timeout=20) as http:
        yield http


def _totals(client: httpx.Client) -> dict[str, float]:
    """Everything logged so far, one row (the server flushes its buffer before answering)."""
    response = client.get("/v1/admin/online-metrics", params={"by": "placement"})
    assert response.status_code == 200, response.text
    keys = ("requests", "impressions", "clicks", "carts", "purchases", "revenue")
    return {k: sum(row[k] for row in response.json()["rows"]) for k in keys}


def _delta(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    return {k: after[k] - before[k] for k in after}


def _post(client: httpx.Client, path: str, rows: list[dict]) -> dict:
    response = client.post(path, json=rows)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_served_request_id_comes_back_as_exactly_one_click(client: httpx.Client) -> None:
    before = _totals(client)
    served = client.get("/v1/recommendations/web-1", params={"k": 3, "placement": "home"}).json()
    assert served["placement"] == "home" and served["model_version"] and len(served["request_id"]) == 32
    clicked = served["items"][1]["item_id"]
    click = {"event_id": "fb-click-1", "user_id": "web-1", "item_id": clicked, "type": "click",
             "timestamp": time.time(), "request_id": served["request_id"], "position": 1}  # fmt: skip
    assert _post(client, "/v1/events", [click])["stored"] == 1
    assert _post(client, "/v1/events", [click])["duplicate"] == 1  # re-posted: credited once
    gained = _delta(_totals(client), before)
    assert gained == {"requests": 1, "impressions": 3, "clicks": 1, "carts": 0, "purchases": 0, "revenue": 0}


def test_a_purchase_in_the_app_is_credited_to_the_list_seen_on_the_web(client: httpx.Client) -> None:
    same_email = "dana@example.com"
    _post(client, "/v1/accounts", [{"user_id": "web-dana", "channel": "web", "email": same_email},
                                   {"user_id": "app-dana", "channel": "app", "email": same_email}])  # fmt: skip
    _post(
        client,
        "/v1/events",
        [{"user_id": "web-dana", "item_id": "kettle", "type": "view", "timestamp": time.time()}],
    )
    before = _totals(client)
    served = client.get("/v1/items/kettle/similar", params={"k": 2, "user_id": "web-dana"}).json()
    bought = served["items"][0]["item_id"]
    purchase = {"event_id": "fb-buy-1", "user_id": "app-dana", "item_id": bought, "type": "purchase",
                "timestamp": time.time(), "price": 4.0, "value": 3, "channel": "app"}  # fmt: skip
    _post(client, "/v1/events", [purchase])
    gained = _delta(_totals(client), before)
    assert (gained["impressions"], gained["purchases"], gained["revenue"]) == (len(served["items"]), 1, 12.0)


def test_forget_removes_the_customers_impressions(client: httpx.Client) -> None:
    _post(
        client,
        "/v1/events",
        [{"user_id": "web-erin", "item_id": "phone", "type": "view", "timestamp": time.time()}],
    )
    before = _totals(client)
    served = client.get("/v1/recommendations/web-erin", params={"k": 2}).json()
    assert _totals(client)["impressions"] == before["impressions"] + len(served["items"])
    assert client.delete("/v1/customers/web-erin").status_code == 200
    assert _totals(client)["impressions"] == before["impressions"]


def test_a_clean_stop_under_load_loses_no_impression(shop: Shop) -> None:
    home = shop.work / "stopped"
    shutil.copytree(shop.home, home)
    work = shop.work / "stopped-log"
    work.mkdir()
    served = [0] * 4
    stop = threading.Event()

    def shopper(n: int, url: str) -> None:
        with httpx.Client(base_url=url, timeout=20) as http:
            while not stop.is_set():
                try:
                    response = http.get(f"/v1/recommendations/web-{n}-{served[n]}", params={"k": 4})
                except httpx.TransportError:
                    return  # the server is going away
                if response.status_code != 200:
                    return
                served[n] += len(response.json()["items"])

    with server_process(shop.env(home), work) as (url, process):
        threads = [threading.Thread(target=shopper, args=(n, url)) for n in range(len(served))]
        for thread in threads:
            thread.start()
        time.sleep(3)
        process.send_signal(signal.SIGTERM)  # mid-load: requests are still coming
        # uvicorn shuts down gracefully, then re-raises the signal it caught: the process "dies" of it.
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    store = open_store(shop_settings(home).resolved_store_url())
    try:
        stored = sum(1 for _ in store.iter_impressions())
    finally:
        store.close()
    assert sum(served) > 100  # the load was real
    assert stored == sum(served)
