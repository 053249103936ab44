"""On a real server process: a phone and its case posted after the last training get complements
within seconds, in both directions, with no retraining (the new-item encoder feeds the complement
model's new-item set)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from live_server import running_server

from shelfwise.service.context import ServiceContext
from shelfwise.service.ingest import IngestService
from shelfwise.service.keys import KeyService
from shelfwise.settings import Settings
from shelfwise.testing.phone_shop import NEW_PHONES, generate_phone_shop
from shelfwise.training.job import TrainOptions, train

NEW_ITEMS = [
    {"item_id": "zeta-k7", "title": "Zeta K7 Smartphone 256GB Ocean Blue", "brand": "Zeta",
     "category": "Electronics > Phones > Smartphones", "price": 499.0},
    {"item_id": "zeta-k7-case", "title": "Rugged Case for Zeta K7, Forest Green", "brand": "Armorly",
     "category": "Electronics > Phone Accessories > Cases", "price": 22.0},
    {"item_id": "zeta-k7-charger", "title": "Zeta 45W Fast Charger", "brand": "Zeta",
     "category": "Electronics > Phone Accessories > Chargers", "price": 35.0,
     "attributes": {"compatible_with": ["Zeta K7"]}},
]  # fmt: skip


@dataclass
class Server:
    url: str
    keys: dict[str, str]

    def client(self, scope: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.keys[scope]}"}, timeout=10
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("complements-e2e")
    home = work / "home"
    shop = generate_phone_shop()
    items, events = shop.write(work / "data")
    new = {p.item_id for p in NEW_PHONES}
    kept = [row for row in shop.items if row["item_id"] not in new and not row["item_id"].startswith(
        tuple(f"case-{p}" for p in new))]  # fmt: skip
    items.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in kept))
    ctx = ServiceContext(Settings(home=home, search={"encoder": "fake"}))
    IngestService(ctx).ingest_file("items", items)
    IngestService(ctx).ingest_file("events", events)
    train(
        ctx.settings,
        ctx.store,
        TrainOptions(seed=0, max_minutes=1, progress=False, encoder="fake", model="transitions"),
    )
    keys = {scope: KeyService(ctx).create([scope]).key for scope in ("read", "ingest")}
    ctx.close()
    env = {**os.environ, "SHELFWISE_HOME": str(home), "SHELFWISE_SEARCH__ENCODER": "fake"}
    with running_server(env, work) as url:
        yield Server(url, keys)


def _complements(client: httpx.Client, item_id: str) -> list[dict]:
    response = client.get(f"/v1/items/{item_id}/complementary", params={"k": 5})
    return response.json()["items"] if response.status_code == 200 else []


def test_a_posted_phone_and_its_case_complement_each_other_within_seconds(server: Server) -> None:
    reader, writer = server.client("read"), server.client("ingest")
    assert writer.post("/v1/items", json=NEW_ITEMS).json()["stored"] == 3
    deadline = time.monotonic() + 10
    while True:
        phone = _complements(reader, "zeta-k7")
        case = _complements(reader, "zeta-k7-case")
        phone_ids, case_ids = [e["item_id"] for e in phone], [e["item_id"] for e in case]
        if "zeta-k7-case" in phone_ids[:3] and "zeta-k7-charger" in case_ids:
            break
        assert time.monotonic() < deadline, (phone, case)
        time.sleep(0.2)
    reasons = phone[phone_ids.index("zeta-k7-case")]["reasons"]
    assert "fits Zeta K7 (same model in the title)" in reasons
    assert "fits Zeta K7 (listed as compatible)" in case[case_ids.index("zeta-k7-charger")]["reasons"]
    # And an old phone's list does not pick up the new case: it is made for another model.
    old = [e["item_id"] for e in _complements(reader, "galaxy-s24")]
    assert old and "zeta-k7-case" not in old
