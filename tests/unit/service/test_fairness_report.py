"""The fairness report over a store, and its admin route.

Northern customers all walk the same path (lamp → shade → bulb → switch) that short histories teach
the model, so it finds their last item; southern customers buy unrelated things, so it cannot. The report must say so.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shelfwise.api import create_app
from shelfwise.service.context import ServiceContext
from shelfwise.service.fairness import FairnessOptions, fairness_report, save_report
from shelfwise.service.ingest import IngestService
from shelfwise.settings import Settings
from shelfwise.testing.files import jsonl_file

T0 = 1_700_000_000
PATH = ["lamp", "shade", "bulb", "switch"]
OTHERS = [f"misc-{n}" for n in range(40)]


@pytest.fixture
def ctx(tmp_path: Path) -> ServiceContext:
    context = ServiceContext(Settings(home=tmp_path / "home", search={"encoder": "fake"}))
    ingest = IngestService(context)
    items = [{"item_id": i, "title": i, "brand": "Lumo" if i in PATH else "Other"} for i in PATH + OTHERS]
    ingest.ingest_file("items", jsonl_file(tmp_path / "items.jsonl", items))
    rng = random.Random(0)
    events, accounts = [], []
    for n in range(60):
        region = "north" if n < 30 else "south"
        user = f"u{n}"
        accounts.append({"user_id": user, "channel": "web", "attributes": {"region": region}})
        bought = PATH if region == "north" else rng.sample(OTHERS, 4)
        for step, item in enumerate(bought):
            events.append(
                {"user_id": user, "item_id": item, "type": "purchase", "timestamp": T0 + n * 1000 + step}
            )
    for n in range(10):  # short histories (never evaluated) that teach bulb → switch
        for step, item in enumerate(("bulb", "switch")):
            events.append({"user_id": f"t{n}", "item_id": item, "type": "purchase", "timestamp": T0 + step})
    ingest.ingest_file("users", jsonl_file(tmp_path / "accounts.jsonl", accounts))
    ingest.ingest_file("events", jsonl_file(tmp_path / "events.jsonl", events))
    return context


def test_quality_per_region_and_the_gap(ctx: ServiceContext) -> None:
    report = fairness_report(ctx, FairnessOptions(model="transitions", k=10))
    region = report.groups["region"]
    assert region["north"]["n"] == 30 and region["north"]["hr@10"] == 1.0
    assert region["south"]["hr@10"] < 0.5  # nothing links their last item to the rest
    assert report.gaps["region"]["best"] == "north" and report.gaps["region"]["gap"] > 0.5
    assert "channel" in report.groups and "history_length" in report.groups
    lumo = report.exposure_by_brand["Lumo"]
    # Fitted: 3 of 4 items of each evaluated customer (north: Lumo) and both of each teacher's.
    assert lumo["engagement_share"] == pytest.approx(110 / 200)


def test_the_admin_route_serves_the_latest_report(ctx: ServiceContext) -> None:
    settings = ctx.settings.model_copy(
        update={"serve": ctx.settings.serve.model_copy(update={"auth": False, "reload_poll_seconds": 0})}
    )
    with TestClient(create_app(settings)) as client:
        missing = client.get("/v1/admin/reports/fairness")
        assert missing.status_code == 404 and "shelfwise evaluate --fairness" in missing.json()["detail"]
        save_report(ctx, fairness_report(ctx, FairnessOptions(model="transitions")))
        answer = client.get("/v1/admin/reports/fairness").json()
        assert answer["gaps"]["region"]["worst"] == "south"
        assert answer["overall"]["hr@10"] >= 0.5
