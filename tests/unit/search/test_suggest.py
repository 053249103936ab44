"""Query suggestions: known completions on a tiny catalog and search log."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelfwise.domain import Event, Item
from shelfwise.search.suggest import SuggestIndex
from shelfwise.service.context import ServiceContext
from shelfwise.service.suggest import SuggestService
from shelfwise.settings import Settings

ITEMS = [
    Item("d1", "DeWalt 20V Cordless Drill", brand="DeWalt", category=("Tools", "Drills")),
    Item("d2", "DeWalt 20V Impact Driver", brand="DeWalt", category=("Tools", "Drivers")),
    Item("m1", "Makita 18V Cordless Drill", brand="Makita", category=("Tools", "Drills")),
    Item("p1", "Behr Premium Plus Interior Paint", brand="Behr", category=("Paint", "Interior Paint")),
    Item("p2", "Behr Premium Plus Exterior Paint", brand="Behr", category=("Paint", "Exterior Paint")),
    Item("e1", "华为 无线蓝牙耳机", brand="华为", category=("数码", "耳机")),
]


def _search(user: str, query: str, item: str | None, kind: str, t: float, session: str) -> Event:
    return Event(user, kind, t, item_id=item, query=query, session_id=session)


@pytest.fixture
def service(tmp_path: Path) -> SuggestService:
    settings = Settings(home=tmp_path / "home", store_url="memory://")
    ctx = ServiceContext(settings)
    ctx.store.upsert_items(ITEMS)
    log = []
    for n in range(3):  # "drill bits" led to purchases three times
        log.append(_search(f"u{n}", "Drill bits", "d1", "purchase", 10.0 + n, f"s{n}"))
    log.append(_search("u9", "drill press", "m1", "click", 20.0, "s9"))
    for n in range(5):  # "drill sergeant" was searched often but nobody engaged
        log.append(_search(f"v{n}", "drill sergeant", "d1", "impression", 30.0 + n, f"t{n}"))
    log.append(_search("painter", "deck stain", "p2", "purchase", 40.0, "p"))
    log.append(Event("painter", "purchase", 41.0, item_id="p1"))
    ctx.store.append_events([(f"k{n}", e) for n, e in enumerate(log)])
    return SuggestService(ctx)


def texts(found: list) -> list[str]:
    return [s.text for s in found]


def test_successful_queries_complete_a_prefix_and_unsuccessful_ones_do_not(service: SuggestService) -> None:
    found = service.suggest("dri", k=5)
    assert texts(found)[:2] == ["drill bits", "drill press"]  # 3 purchases before 1 click
    assert found[0].source == "query"
    assert "drill sergeant" not in texts(found)


def test_catalog_phrases_complete_brands_and_title_starts(service: SuggestService) -> None:
    assert texts(service.suggest("beh", k=3)) == ["behr", "behr premium", "behr premium plus"]
    assert texts(service.suggest("dewalt 2", k=1)) == ["dewalt 20v"]


def test_one_typo_in_a_prefix_longer_than_three_characters(service: SuggestService) -> None:
    assert texts(service.suggest("dewlat", k=1)) == ["dewalt"]  # transposition
    assert texts(service.suggest("bher prem", k=1)) == ["behr premium"]  # transposition in word 1
    assert texts(service.suggest("makta", k=1)) == ["makita"]  # deletion
    assert service.suggest("bxq", k=3) == []  # 3 characters: no edit allowed, nothing starts so


def test_chinese_character_prefixes(service: SuggestService) -> None:
    assert texts(service.suggest("华", k=3))[0] == "华为"
    assert "无线蓝牙耳机" in texts(service.suggest("无线", k=3))


def test_a_customers_own_queries_and_categories_come_first(service: SuggestService) -> None:
    assert texts(service.suggest("d", k=1, user_id="painter")) == ["deck stain"]  # their own query
    assert texts(service.suggest("d", k=1)) == ["drill bits"]  # everyone else's favourite


def test_completions_in_the_customers_categories_are_lifted() -> None:
    index = SuggestIndex()
    for _ in range(3):
        index.add_catalog_phrase("pipe wrench", "Plumbing")
    for _ in range(2):
        index.add_catalog_phrase("paint roller", "Paint")
    index.merge()
    index.add_user_category("painter", "Paint")
    assert [s.text for s in index.complete("p", 2)] == ["pipe wrench", "paint roller"]
    assert [s.text for s in index.complete("p", 2, ["painter"])] == ["paint roller", "pipe wrench"]


def test_new_searches_are_added_without_a_rebuild(service: SuggestService) -> None:
    assert "impact driver" not in texts(service.suggest("imp", k=3))
    service._ctx.store.append_events([("new", _search("w", "impact driver", "d2", "click", 50.0, "w"))])
    service._followed_at = 0.0  # the next call follows the log now instead of within a second
    assert texts(service.suggest("imp", k=3)) == ["impact driver"]


def test_pending_phrases_are_found_before_and_after_a_merge() -> None:
    index = SuggestIndex()
    index.add_catalog_phrase("garden hose")
    index.add_catalog_phrase("garden hose")  # two titles start so: a phrase, not noise
    index.merge()
    index.add_query("garden gloves", 3.0)  # pending, not merged yet
    assert [s.text for s in index.complete("garden", 2)] == ["garden gloves", "garden hose"]
    for n in range(600):  # past MERGE_EVERY: merged into the sorted arrays
        index.add_query(f"zz {n}")
    assert [s.text for s in index.complete("gard", 1)] == ["garden gloves"]
