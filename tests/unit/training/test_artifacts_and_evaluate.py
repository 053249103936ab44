"""The model store, ``train`` and ``evaluate`` on a shop whose next item is always known.

Customers walk stretches of one cycle over 30 items (i0 → i1 → ... → i29 → i0), so the item after
a customer's last one is certain: a working transition model puts it first (HR@1 = 1), while
popularity cannot (the cycle makes every item about equally popular). With 30 items an HR@10 of 1
would prove nothing; HR@1 does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shelfwise.errors import ModelError
from shelfwise.service.context import ServiceContext
from shelfwise.service.evaluate import EvaluateOptions, evaluate, write_report
from shelfwise.service.ingest import IngestService
from shelfwise.service.lists import ListService
from shelfwise.settings import Settings
from shelfwise.storage.models import Manifest
from shelfwise.training.job import TrainOptions, train

N = 30
ITEM = [f"i{n}" for n in range(N)]


def _shop(tmp_path: Path, interleaved: bool = False) -> ServiceContext:
    """``interleaved``: everyone's n-th step happens before anyone's (n+1)-th, so a time cutoff
    splits each walk; otherwise customers walk one after another."""
    ctx = ServiceContext(Settings(home=tmp_path / "home"))
    items = tmp_path / "items.jsonl"
    items.write_text("".join(json.dumps({"item_id": x, "title": f"Item {x}"}) + "\n" for x in ITEM))
    rows = []
    for user in range(120):
        start, length = (user * 7) % N, 4 + user % 4
        for step in range(length):
            rows.append(
                {"user_id": f"u{user}", "item_id": ITEM[(start + step) % N], "type": "purchase",
                 "timestamp": step * 100_000 + user if interleaved else 1000 * user + step}
            )
    events = tmp_path / "events.jsonl"
    events.write_text("".join(json.dumps(r) + "\n" for r in rows))
    service = IngestService(ctx)
    service.ingest_file("items", items)
    service.ingest_file("events", events)
    return ctx


OPTIONS = TrainOptions(seed=0, max_minutes=1, progress=False, encoder="fake", model="transitions")


def test_the_store_serves_the_newest_good_version_unless_pinned(tmp_path: Path) -> None:
    ctx = _shop(tmp_path)
    with pytest.raises(ModelError, match="shelfwise train"):
        ListService(ctx).recommend("u1")
    train(ctx.settings, ctx.store, OPTIONS)
    train(ctx.settings, ctx.store, OPTIONS)
    models = ctx.models
    assert models.versions() == ["v0001", "v0002"]
    assert models.active_version() == "v0002"
    manifest = models.manifest("v0002")
    assert manifest.status == "ok" and manifest.data["customers"] == 120
    assert manifest.components["model"] == "transitions"
    assert manifest.curves == {} and manifest.importances == {}  # transitions learn no curve, no ranker
    # A failed newer version is never served.
    broken = models.new_version()
    broken.publish(Manifest(version=broken.version, created_at=0, status="failed"))
    assert models.active_version() == "v0002"
    # Rollback pins the version before; every list answers from it and says so.
    assert models.rollback() == "v0001"
    assert ListService(ctx).recommend("u1").model_version == "v0001"
    assert models.use_latest() == "v0002"
    assert ListService(ctx).recommend("u1").model_version == "v0002"


def test_save_load_gives_the_same_recommendations(tmp_path: Path) -> None:
    ctx = _shop(tmp_path)
    train(ctx.settings, ctx.store, OPTIONS)
    first = ListService(ctx).recommend("u0", k=5)
    again = ListService(ctx).recommend("u0", k=5)  # a fresh service loads from disk again
    assert list(first) == list(again)
    # u0 walked i0 → i3: the next step is i4, and what was bought is excluded.
    recs = ListService(ctx).recommend("u0", k=3)
    assert recs[0].item_id == "i4"
    assert all(r.item_id not in {"i0", "i1", "i2", "i3"} for r in recs)


def test_leave_one_out_evaluation_finds_the_next_step(tmp_path: Path) -> None:
    ctx = _shop(tmp_path)
    report = evaluate(ctx, EvaluateOptions(protocol="loo", model="transitions", encoder="fake", k_values=(1, 10),
                                           progress=False))
    assert report.metrics["hr@1"] == pytest.approx(1.0)
    baseline = evaluate(ctx, EvaluateOptions(protocol="loo", model="popularity", encoder="fake", k_values=(1, 10),
                                             progress=False))
    assert baseline.metrics["hr@1"] < 0.2  # the cycle leaves popularity guessing
    out = write_report(report, tmp_path / "eval")
    assert json.loads((out / "metrics.json").read_text())["metrics"]["hr@1"] == pytest.approx(1.0)
    assert (out / "report.md").exists()


def test_temporal_evaluation_trains_on_the_past_only(tmp_path: Path) -> None:
    ctx = _shop(tmp_path, interleaved=True)
    temporal = evaluate(ctx, EvaluateOptions(protocol="temporal", model="transitions", encoder="fake",
                                             k_values=(1,), progress=False))
    # Each walk continues after the cutoff with the step the past transitions predict.
    assert temporal.metrics["hr@1"] > 0.9
