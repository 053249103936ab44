"""A customer's store purchases shape their web recommendations (identity + training + serving)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelfwise.service.context import ServiceContext
from shelfwise.service.ingest import IngestService
from shelfwise.service.lists import ListService
from shelfwise.settings import Settings
from shelfwise.testing.files import jsonl_file
from shelfwise.testing.pairs_shop import ITEMS
from shelfwise.training.job import TrainOptions, train


@pytest.fixture
def ctx(tmp_path: Path) -> ServiceContext:
    context = ServiceContext(Settings(home=tmp_path / "home"))
    ingest = IngestService(context)
    ingest.ingest_file(
        "items", jsonl_file(tmp_path / "items.jsonl", [{"item_id": i, "title": t} for i, t in ITEMS])
    )
    events = []
    t = 1_700_000_000
    # Other shoppers: phone → case, kettle → tea. A few socks so popularity is not the answer.
    for n in range(30):
        first, second = ("phone", "case") if n % 2 == 0 else ("kettle", "tea")
        events += [
            {
                "user_id": f"web-{n}",
                "item_id": first,
                "type": "purchase",
                "timestamp": t + n * 100,
                "channel": "web",
            },
            {
                "user_id": f"web-{n}",
                "item_id": second,
                "type": "purchase",
                "timestamp": t + n * 100 + 5,
                "channel": "web",
            },
        ]
    for n in range(40):
        events.append(
            {
                "user_id": f"app-{n}",
                "item_id": "socks",
                "type": "purchase",
                "timestamp": t + n,
                "channel": "app",
            }
        )
    # Ann: a phone bought in store under her loyalty account; her web account has no history.
    events.append(
        {
            "user_id": "store-ann",
            "item_id": "phone",
            "type": "purchase",
            "timestamp": t + 9999,
            "channel": "store",
        }
    )
    ingest.ingest_file("events", jsonl_file(tmp_path / "events.jsonl", events))
    ingest.ingest_file(
        "users",
        jsonl_file(
            tmp_path / "accounts.jsonl",
            [
                {"user_id": "web-ann", "channel": "web", "email": "Ann@Example.com"},
                {"user_id": "store-ann", "channel": "store", "email": " ann@example.com", "member_id": "L-1"},
                {"user_id": "web-bob", "channel": "web", "email": "bob@example.com"},
            ],
        ),
    )
    train(
        context.settings,
        context.store,
        TrainOptions(seed=0, max_minutes=1, progress=False, encoder="fake", model="transitions"),
    )
    return context


def test_store_purchase_drives_web_recommendation(ctx: ServiceContext) -> None:
    recs = ListService(ctx).recommend("web-ann", k=3)
    assert recs[0].item_id == "case"
    assert "phone" not in [r.item_id for r in recs]  # already bought (in store)
    assert any("in store" in reason and "Nimbus X12 Smartphone" in reason for reason in recs[0].reasons)


def test_without_the_store_history_the_answer_is_different(ctx: ServiceContext) -> None:
    recs = ListService(ctx).recommend("web-bob", k=3)
    assert recs[0].item_id == "socks"  # history-less: the most popular item
    assert recs[0].reasons
