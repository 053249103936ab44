"""The home placement's rules on ``ListService.recommend`` (over-fetch, then rules)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelfwise.ranking.rules import PINNED_REASON
from shelfwise.service.context import ServiceContext
from shelfwise.service.ingest import IngestService
from shelfwise.service.lists import ListService
from shelfwise.settings import Settings
from shelfwise.testing.files import jsonl_file
from shelfwise.training.job import TrainOptions, train

ITEMS = [
    ("phone", "Nimbus X12 Smartphone", "Electronics > Phones"),
    ("case1", "Case for Nimbus X12, Slim", "Electronics > Cases"),
    ("case2", "Case for Nimbus X12, Leather", "Electronics > Cases"),
    ("case3", "Case for Nimbus X12, Clear", "Electronics > Cases"),
    ("beans", "Whole Bean Coffee, Espresso", "Grocery > Coffee"),
    ("tea", "Green Tea Loose Leaf", "Grocery > Tea"),
    ("socks", "Running Socks 3-Pack", "Sports > Socks"),
]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rules-recommend")
    ctx = ServiceContext(Settings(home=root / "home"))
    ingest = IngestService(ctx)
    items = [{"item_id": i, "title": t, "category": c, "in_stock": True, "price": 10} for i, t, c in ITEMS]
    ingest.ingest_file("items", jsonl_file(root / "items.jsonl", items))
    t, events = 1_700_000_000, []
    for n in range(30):  # phone → each of the cases
        for step, item in enumerate(("phone", "case1", "case2", "case3")):
            events.append(
                {"user_id": f"u{n}", "item_id": item, "type": "purchase", "timestamp": t + n * 100 + step}
            )
    for n in range(10):  # coffee drinkers buy beans again and again
        for step in range(3):
            events.append(
                {
                    "user_id": f"c{n}",
                    "item_id": "beans",
                    "type": "purchase",
                    "timestamp": t + n * 100 + step * 50,
                }
            )
    events += [
        {"user_id": "ann", "item_id": "beans", "type": "purchase", "timestamp": t + 5000},
        {"user_id": "ann", "item_id": "phone", "type": "purchase", "timestamp": t + 5001},
    ]
    ingest.ingest_file("events", jsonl_file(root / "events.jsonl", events))
    train(
        ctx.settings,
        ctx.store,
        TrainOptions(seed=0, max_minutes=1, progress=False, encoder="fake", model="transitions"),
    )
    ctx.close()
    return root / "home"


def _service(home: Path, **rules: object) -> ListService:
    settings = Settings(home=home)
    for name, value in rules.items():
        setattr(settings.rules.home, name, value)
    return ListService(ServiceContext(settings))


def test_cap_per_category_on_home(home: Path) -> None:
    capped = [s.item_id for s in _service(home, max_per_category=1, diversity=0.0).recommend("ann", k=3)]
    plain = [s.item_id for s in _service(home, max_per_category=None, diversity=0.0).recommend("ann", k=3)]
    assert plain == ["case1", "case2", "case3"]
    assert capped[0] == "case1" and sum(i.startswith("case") for i in capped) == 1 and len(capped) == 3


def test_pin_on_home_says_so(home: Path) -> None:
    items = _service(home, pins=["socks"]).recommend("ann", k=3)
    assert items[0].item_id == "socks" and items[0].reasons[0] == PINNED_REASON


def test_bought_items_hidden_unless_repurchasable(home: Path) -> None:
    strict = [s.item_id for s in _service(home).recommend("ann", k=7)]
    assert "phone" not in strict and "beans" not in strict
    consumables = [
        s.item_id for s in _service(home, repurchasable_categories=["Grocery"]).recommend("ann", k=7)
    ]
    assert "phone" not in consumables and "beans" in consumables


def test_unknown_placement_is_a_config_error(home: Path) -> None:
    from shelfwise.errors import ConfigError

    with pytest.raises(ConfigError):
        _service(home).recommend("ann", k=3, placement="checkout")
