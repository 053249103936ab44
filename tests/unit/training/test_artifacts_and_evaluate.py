from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from shelfwise.errors import ModelError
from shelfwise.service.context import ServiceContext
from shelfwise.service.evaluate import EvaluateOptions, evaluate, write_report
from shelfwise.service.ingest import IngestService
from shelfwise.service.recommend import RecommendService, load_version
from shelfwise.settings import Settings
from shelfwise.training.artifacts import ArtifactWriter, Manifest, latest_good, versions
from shelfwise.training.job import TrainOptions, train


def _shop(tmp_path: Path) -> ServiceContext:
    """Customers walk stretches of one cycle a → b → ... → h → a: the next item is always known."""
    ctx = ServiceContext(Settings(home=tmp_path / "home"))
    items = tmp_path / "items.jsonl"
    items.write_text("".join(json.dumps({"item_id": x, "title": f"Item {x}"}) + "\n" for x in "abcdefgh"))
    events = tmp_path / "events.jsonl"
    rows = []
    for user in range(40):
        start, length = user % 8, 3 + user % 4
        for step in range(length):
            item = "abcdefgh"[(start + step) % 8]
            rows.append(
                {"user_id": f"u{user}", "item_id": item, "type": "purchase", "timestamp": 1000 * user + step}
            )
    events.write_text("".join(json.dumps(r) + "\n" for r in rows))
    service = IngestService(ctx)
    service.ingest_file("items", items)
    service.ingest_file("events", events)
    return ctx


OPTIONS = TrainOptions(seed=0, max_minutes=1, progress=False, encoder="fake", model="transitions")


def test_train_publishes_versions_and_the_newest_good_is_used(tmp_path: Path) -> None:
    ctx = _shop(tmp_path)
    with pytest.raises(ModelError, match="shelfwise train"):
        RecommendService(ctx).recommend("u1")
    first = train(ctx, OPTIONS)
    second = train(ctx, OPTIONS)
    assert [p.name for p in versions(ctx.settings.artifacts_dir)] == ["v0001", "v0002"]
    assert latest_good(ctx.settings.artifacts_dir) == second
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["status"] == "ok" and manifest["data"]["customers"] == 40
    assert manifest["components"]["model"] == "transitions"
    # A half-written (failed) newer version is ignored.
    broken = ArtifactWriter(ctx.settings.artifacts_dir)
    broken.publish(Manifest(version=broken.version, created_at=0, status="failed"))
    assert latest_good(ctx.settings.artifacts_dir) == second
    assert load_version(ctx.settings.artifacts_dir, "v0001").directory == first


def test_save_load_gives_the_same_recommendations(tmp_path: Path) -> None:
    ctx = _shop(tmp_path)
    train(ctx, OPTIONS)
    a = RecommendService(ctx).recommend("u0", k=5)
    b = RecommendService(ctx).recommend("u0", k=5)  # a fresh service loads from disk again
    assert a == b
    # u8 walked a → b → c: the next step is d, and what was bought is excluded.
    recs = RecommendService(ctx).recommend("u8", k=3)
    assert recs[0].item_id == "d"
    assert all(r.item_id not in "abc" for r in recs)
    after_b = RecommendService(ctx).recommend("nobody", k=3)
    assert after_b and after_b[0].reasons


def test_leave_one_out_evaluation_finds_the_chain(tmp_path: Path) -> None:
    ctx = _shop(tmp_path)
    report = evaluate(
        ctx, EvaluateOptions(protocol="loo", model="transitions", encoder="fake", progress=False)
    )
    # Every customer's last item follows from the one before it.
    assert report.metrics["hr@10"] == pytest.approx(1.0)
    assert report.metrics["ndcg@10"] == pytest.approx(1.0)
    out = write_report(report, tmp_path / "eval")
    assert json.loads((out / "metrics.json").read_text())["metrics"]["hr@10"] == pytest.approx(1.0)
    assert (out / "report.md").exists()

    temporal = evaluate(
        ctx, EvaluateOptions(protocol="temporal", model="popularity", encoder="fake", progress=False)
    )
    assert 0.0 <= temporal.metrics["hr@10"] <= 1.0
    assert np.isfinite(temporal.metrics["ndcg@10"])
