"""``shelfwise audit``: a brushing burst is flagged, kept out of training, and can be trusted again.

The shop: thirty regulars buy phone → case over two months; then twelve accounts created within a
few hours each buy the phone and a serum (a seller pushing the serum). Without the filter the serum
follows the phone for everyone; with it, the case does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from shelfwise.service.context import ServiceContext
from shelfwise.service.ingest import IngestService
from shelfwise.service.lists import ListService
from shelfwise.settings import Settings
from shelfwise.testing.files import jsonl_file
from shelfwise.training.job import TrainOptions, train

SHELFWISE = Path(sys.executable).with_name("shelfwise")
T0 = 1_700_000_000
DAY = 86_400


def _shop(home: Path, audit: bool) -> ServiceContext:
    home.parent.mkdir(parents=True, exist_ok=True)
    ctx = ServiceContext(Settings(home=home, search={"encoder": "fake"}, audit={"enabled": audit}))
    ingest = IngestService(ctx)
    items = [("phone", "Nimbus Phone"), ("case", "Nimbus Phone Case"), ("serum", "Glow Serum")]
    ingest.ingest_file(
        "items", jsonl_file(home.parent / "items.jsonl", [{"item_id": i, "title": t} for i, t in items])
    )
    events = []
    for n in range(30):
        at = T0 + n * 2 * DAY
        events += [
            {"user_id": f"web-{n}", "item_id": "phone", "type": "purchase", "timestamp": at},
            {"user_id": f"web-{n}", "item_id": "case", "type": "purchase", "timestamp": at + 600},
        ]
    for n in range(12):
        at = T0 + 70 * DAY + n * 900
        events += [
            {"user_id": f"fake-{n}", "item_id": "phone", "type": "purchase", "timestamp": at},
            {"user_id": f"fake-{n}", "item_id": "serum", "type": "purchase", "timestamp": at + 60},
            {"user_id": f"fake-{n}", "item_id": "phone", "type": "view", "timestamp": at + 120},
            {"user_id": f"fake-{n}", "item_id": "serum", "type": "purchase", "timestamp": at + 180},
        ]
    events.append({"user_id": "ann", "item_id": "phone", "type": "view", "timestamp": T0 + 80 * DAY})
    ingest.ingest_file("events", jsonl_file(home.parent / "events.jsonl", events))
    train(
        ctx.settings,
        ctx.store,
        TrainOptions(seed=0, max_minutes=1, progress=False, encoder="fake", model="transitions"),
    )
    return ctx


def _first_for_ann(ctx: ServiceContext) -> str:
    return ListService(ctx).recommend("ann", 3, placement="home")[0].item_id


def test_brushing_is_flagged_kept_out_of_training_and_reviewable(tmp_path: Path) -> None:
    unfiltered = _shop(tmp_path / "a" / "home", audit=False)
    assert _first_for_ann(unfiltered) == "serum"  # the attack works without the filter
    unfiltered.close()

    ctx = _shop(tmp_path / "b" / "home", audit=True)
    assert _first_for_ann(ctx) == "case"
    manifest = json.loads(next((ctx.settings.artifacts_dir).glob("v*/manifest.json")).read_text())
    assert manifest["data"]["flagged_accounts"] == 12
    assert ctx.store.count_events() == 30 * 2 + 12 * 4 + 1  # flagged events are kept, not deleted
    ctx.close()

    env = {**os.environ, "SHELFWISE_HOME": str(tmp_path / "b" / "home")}

    def cli(*args: str) -> str:
        command = [str(SHELFWISE), "audit", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout

    report = json.loads(cli("--json"))
    assert report["flagged_events"] == 48 and report["customers"] == 43
    assert sorted(f["user_id"] for f in report["flagged"]) == sorted(f"fake-{n}" for n in range(12))
    assert "12 new accounts that bought" in report["flagged"][0]["reasons"][0]
    assert "fake-3 is trusted" in cli("unflag", "fake-3")
    again = json.loads(cli("--json"))
    assert "fake-3" not in {f["user_id"] for f in again["flagged"]}
    assert len(again["flagged"]) == 11
