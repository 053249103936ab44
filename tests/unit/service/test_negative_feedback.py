"""Negative feedback in the request pipeline: what a customer said no to leaves their lists, its
near duplicates are lowered (or removed), on a tiny trained shop whose answers are known."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from shelfwise.domain import ScoredItem
from shelfwise.history import ItemIndex
from shelfwise.ranking.negatives import NegativeFeedback
from shelfwise.service.context import ServiceContext
from shelfwise.service.ingest import IngestService
from shelfwise.service.lists import ListService
from shelfwise.settings import Settings
from shelfwise.settings.negatives import NegativeSettings
from shelfwise.testing.files import jsonl_file
from shelfwise.training.job import TrainOptions, train

# The two shampoos differ only by size (near duplicates); the conditioner shares a line and a size.
ITEMS = [
    ("s250", "Hydrating Shampoo 250 ml", "Beauty > Hair"),
    ("s500", "Hydrating Shampoo 500 ml", "Beauty > Hair"),
    ("cond", "Volumizing Conditioner 250 ml", "Beauty > Hair"),
    ("tea", "Green Tea Loose Leaf 250g", "Kitchen > Tea"),
    ("kettle", "Electric Kettle 1.7L Stainless Steel", "Kitchen"),
    ("socks", "Running Socks 3-Pack", "Sports"),
]
T0 = 1_700_000_000


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shoppers who view the kettle go on to s250 (most), s500, then the conditioner, then tea."""
    work = tmp_path_factory.mktemp("negatives")
    ctx = ServiceContext(Settings(home=work / "home"))
    ingest = IngestService(ctx)
    ingest.ingest_file(
        "items",
        jsonl_file(work / "items.jsonl", [{"item_id": i, "title": t, "category": c} for i, t, c in ITEMS]),
    )
    events = []
    follows = ["s250"] * 8 + ["s500"] * 6 + ["cond"] * 4 + ["tea"] * 2
    for n, second in enumerate(follows):
        for offset, item in enumerate(("kettle", second)):
            events.append(
                {"user_id": f"w{n}", "item_id": item, "type": "purchase", "timestamp": T0 + n * 100 + offset}
            )
    events += [
        {"user_id": user, "item_id": "kettle", "type": "view", "timestamp": T0 + 9000}
        for user in ("ann", "bea")
    ]
    ingest.ingest_file("events", jsonl_file(work / "events.jsonl", events))
    train(
        ctx.settings,
        ctx.store,
        TrainOptions(seed=0, max_minutes=1, progress=False, encoder="fake", model="transitions"),
    )
    ctx.close()
    return work / "home"


def _ids(ctx: ServiceContext, user: str, k: int = 4) -> list[str]:
    return [s.item_id for s in ListService(ctx).recommend(user, k=k)]


def _say(ctx: ServiceContext, tmp_path: Path, rows: list[dict]) -> None:
    IngestService(ctx).ingest_file("events", jsonl_file(tmp_path / "more.jsonl", rows))


def test_a_one_star_item_and_its_near_duplicate_leave_the_list(home: Path, tmp_path: Path) -> None:
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    ctx = ServiceContext(
        Settings(home=copy, negatives={"neighbour_similarity": 0.8, "neighbour_factor": 0.0})
    )
    assert _ids(ctx, "ann") == ["s250", "s500", "cond", "tea"]
    _say(
        ctx,
        tmp_path,
        [{"user_id": "ann", "item_id": "s250", "type": "rate", "value": 1, "timestamp": T0 + 9100}],
    )
    after = _ids(ctx, "ann")
    assert "s250" not in after and "s500" not in after  # the item and its other size
    assert after[:2] == ["cond", "tea"]  # the conditioner is no near duplicate (similarity 0.6)
    assert _ids(ctx, "bea") == ["s250", "s500", "cond", "tea"]  # another customer is not affected
    ctx.close()


def test_by_default_a_near_duplicate_is_only_lowered(home: Path, tmp_path: Path) -> None:
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    ctx = ServiceContext(Settings(home=copy, negatives={"neighbour_similarity": 0.8}))
    _say(ctx, tmp_path, [{"user_id": "ann", "item_id": "s250", "type": "dismiss", "timestamp": T0 + 9100}])
    after = _ids(ctx, "ann")
    assert "s250" not in after and "s500" in after
    assert after.index("s500") > after.index("cond")  # halved: below what it used to beat
    ctx.close()


def _stage(factor: float) -> NegativeFeedback:
    vectors = np.asarray([[1.0, 0.0], [0.96, 0.28], [0.0, 1.0], [0.6, 0.8]], dtype=np.float32)
    index = ItemIndex(["bad", "twin", "other", "half"], np.ones(4, dtype=bool))
    return NegativeFeedback(
        NegativeSettings(neighbour_similarity=0.9, neighbour_factor=factor), index, vectors
    )


def test_the_stage_removes_the_item_and_scales_only_neighbours_above_the_threshold() -> None:
    items = [
        ScoredItem("bad", 9.0),
        ScoredItem("twin", 8.0),
        ScoredItem("other", 5.0),
        ScoredItem("half", 4.0),
    ]
    out = _stage(0.5).apply(items, frozenset({"bad"}))
    assert [(s.item_id, s.score) for s in out] == [("other", 5.0), ("half", 4.0), ("twin", 4.0)]
    negative = [ScoredItem("twin", -1.0), ScoredItem("other", -1.5)]
    assert [s.item_id for s in _stage(0.5).apply(negative, frozenset({"bad"}))] == ["other", "twin"]
    assert [s.item_id for s in _stage(1.0).apply(items, frozenset({"bad"}))] == ["twin", "other", "half"]
    assert _stage(0.5).apply(items, frozenset()) == items
