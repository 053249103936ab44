"""The click stage in the request pipeline, on a shop whose next-item model is certain.

Customers walk stretches of one cycle over 30 items, so the transition model knows what comes next.
Then a home-page log: lists where one item sits on top in every list and nobody ever clicks it,
while the others are clicked now and then.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from shelfwise.errors import ModelError
from shelfwise.service.click_stage import ClickStage, objective_values
from shelfwise.service.context import ServiceContext
from shelfwise.service.evaluate import evaluate_impressions
from shelfwise.service.ingest import IngestService
from shelfwise.service.lists import ListService
from shelfwise.service.pipeline import ListRequest
from shelfwise.settings import Settings
from shelfwise.settings.ctr import CtrSettings
from shelfwise.training.job import TrainOptions, train

N = 30
ITEM = [f"i{n}" for n in range(N)]
OPTIONS = TrainOptions(seed=0, max_minutes=1, progress=False, encoder="fake", model="transitions")
T0 = 1_700_000_000


def _rows_of_walks() -> list[dict]:
    rows = []
    for user in range(120):
        start, length = (user * 7) % N, 4 + user % 4
        for step in range(length):
            rows.append(
                {
                    "user_id": f"u{user}",
                    "item_id": ITEM[(start + step) % N],
                    "type": "purchase",
                    "timestamp": T0 + 1000 * user + step,
                }
            )
    return rows


def _rows_of_impressions(ignored: str, lists: int = 150) -> list[dict]:
    """``ignored`` tops every list and is never clicked; four others rotate below it and the one in
    the second slot is clicked every third list."""
    rows = []
    others = [i for i in ITEM if i != ignored]
    for n in range(lists):
        when = T0 + 500_000 + n * 600
        shown = [ignored, *(others[(n * 4 + k) % len(others)] for k in range(4))]
        for item in shown:
            rows.append({"user_id": f"v{n}", "item_id": item, "type": "impression", "timestamp": when})
        if n % 3 == 0:
            rows.append({"user_id": f"v{n}", "item_id": shown[1], "type": "click", "timestamp": when + 20})
    return rows


def _shop(tmp_path: Path, rows: list[dict], ctr_enabled: bool = True) -> ServiceContext:
    tmp_path.mkdir(parents=True, exist_ok=True)
    settings = Settings(home=tmp_path / "home", ctr=CtrSettings(enabled=ctr_enabled, min_impressions=100))
    ctx = ServiceContext(settings)
    items = tmp_path / "items.jsonl"
    items.write_text(
        "".join(json.dumps({"item_id": x, "title": f"Item {x}", "price": 10.0}) + "\n" for x in ITEM)
    )
    events = tmp_path / "events.jsonl"
    events.write_text("".join(json.dumps(r) + "\n" for r in rows))
    service = IngestService(ctx)
    service.ingest_file("items", items)
    service.ingest_file("events", events)
    return ctx


def _ids(ctx: ServiceContext, user: str) -> list[str]:
    return [s.item_id for s in ListService(ctx).recommend(user, k=10)]


def test_an_item_shown_often_and_never_clicked_drops(tmp_path: Path) -> None:
    # u0 walked i0 → i3; without a click model its list starts with the next step, i4.
    plain = _shop(tmp_path / "plain", _rows_of_walks())
    train(plain.settings, plain.store, OPTIONS)
    before = _ids(plain, "u0")
    assert before[0] == "i4"
    ignored = before[0]

    rows = _rows_of_walks() + _rows_of_impressions(ignored)
    without_stage = _shop(tmp_path / "off", rows, ctr_enabled=False)
    train(without_stage.settings, without_stage.store, OPTIONS)
    assert _ids(without_stage, "u0")[0] == ignored  # the same log, no click stage: still first

    with_stage = _shop(tmp_path / "on", rows)
    version = train(with_stage.settings, with_stage.store, OPTIONS)
    assert (version / "ctr" / "ctr.json").exists()
    after = _ids(with_stage, "u0")
    assert ignored not in after[:3]
    # The stage re-scores: every score is a probability of a sale (pCTR × pCVR).
    assert all(0.0 < s.score < 1.0 for s in ListService(with_stage).recommend("u0", k=10))
    # The same version, asked to run without the stage (an experiment's control): the plain order.
    skipped = ListService(with_stage).recommend("u0", k=10, stages_off=frozenset({"click"}))
    assert [s.item_id for s in skipped] == _ids(without_stage, "u0")


def test_without_impressions_there_is_no_stage_and_lists_do_not_change(tmp_path: Path) -> None:
    on = _shop(tmp_path / "on", _rows_of_walks())
    version = train(on.settings, on.store, OPTIONS)
    assert not (version / "ctr").exists()
    assert on.models.manifest(version.name).components["click_model"] is False
    service = ListService(on)
    assert service.served.click_model is None
    off = _shop(tmp_path / "off", _rows_of_walks(), ctr_enabled=False)
    train(off.settings, off.store, OPTIONS)
    for user in ("u0", "u5", "u77", "nobody"):
        assert list(ListService(on).recommend(user, k=10)) == list(ListService(off).recommend(user, k=10))


def test_evaluate_on_impressions_reports_model_and_baseline(tmp_path: Path) -> None:
    ctx = _shop(tmp_path, _rows_of_walks() + _rows_of_impressions("i4", lists=300))
    metrics = evaluate_impressions(ctx, encoder="fake")
    for key in ("auc", "logloss", "ece", "baseline_auc", "baseline_logloss", "impressions"):
        assert key in metrics
    assert metrics["impressions"] == pytest.approx(300)  # the newest 20 % of 1500
    # Clicks go to the second slot only: the model (which sees the slot) separates them, the
    # per-item baseline cannot (every item but i4 rotates through every lower slot).
    assert metrics["auc"] > metrics["baseline_auc"] + 0.1


def test_evaluate_without_impressions_says_so(tmp_path: Path) -> None:
    ctx = _shop(tmp_path, _rows_of_walks())
    with pytest.raises(ModelError, match="no impressions"):
        evaluate_impressions(ctx, encoder="fake")


def test_each_objective_orders_by_its_own_quantity() -> None:
    # a: clicked often, rarely bought, cheap; b: clicked less, bought more; c: rare but dear.
    ctr, cvr, prices = np.array([0.3, 0.2, 0.05]), np.array([0.1, 0.3, 0.3]), np.array([10.0, 20.0, 500.0])
    assert np.argsort(-objective_values("ctr", ctr, cvr, prices)).tolist() == [0, 1, 2]
    assert np.argsort(-objective_values("ctr_cvr", ctr, cvr, prices)).tolist() == [1, 0, 2]
    assert np.argsort(-objective_values("revenue", ctr, cvr, prices)).tolist() == [2, 1, 0]
    assert CtrSettings(objectives={"cart": "revenue"}).objective_of("cart") == "revenue"
    assert CtrSettings(objectives={"cart": "revenue"}).objective_of("home") == "ctr_cvr"


def test_search_keeps_its_own_ranker_unless_asked() -> None:
    model = SimpleNamespace(placements={"home": 0, "search": 1})
    stage = ClickStage(model, {}, [], None, Settings(), None)  # type: ignore[arg-type]
    assert stage.applies(ListRequest("recommendations", "home"))
    assert not stage.applies(ListRequest("search", "search", query="drill"))
    assert not stage.applies(ListRequest("similar", "product"))  # no impressions there
    everywhere = Settings(ctr=CtrSettings(exclude_placements=[]))
    assert ClickStage(model, {}, [], None, everywhere, None).applies(ListRequest("search", "search"))  # type: ignore[arg-type]
