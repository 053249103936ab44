"""The demo shop files: determinism, format, counts and referential integrity."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from shelfwise.demo import generate_shop
from shelfwise.demo.items import is_chinese
from shelfwise.domain import EVENT_TYPES, KNOWN_CHANNELS
from shelfwise.ingest import parse_account, parse_event, parse_item

if TYPE_CHECKING:
    from tests.unit.demo.conftest import LoadedShop


FILES = ("items.jsonl", "accounts.jsonl", "events.jsonl", "truth.json")


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    first = generate_shop(tmp_path / "a", seed=3, n_customers=150, days=40)
    second = generate_shop(tmp_path / "b", seed=3, n_customers=150, days=40)
    other = generate_shop(tmp_path / "c", seed=4, n_customers=150, days=40)
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert (tmp_path / "a" / "events.jsonl").read_bytes() != (tmp_path / "c" / "events.jsonl").read_bytes()
    assert first.n_events == second.n_events > 0 and other.n_events > 0


def test_default_size_counts(shop: LoadedShop) -> None:
    files = shop.files
    assert 400 <= files.n_items == len(shop.items) <= 600
    assert 40_000 <= files.n_events == len(shop.events) <= 80_000
    assert files.n_people == 1500 and files.n_accounts == len(shop.accounts)


def test_every_row_has_the_domain_fields_and_ingests(shop: LoadedShop) -> None:
    for item in shop.items:
        assert {"item_id", "title", "description", "brand", "category", "price", "currency"} <= item.keys()
        assert item["currency"] == "USD" and item["price"] > 0 and " > " in item["category"]
        assert item["created_at"].endswith("Z")
        parse_item(item)
    for account in shop.accounts:
        assert account["user_id"].startswith(account["channel"] + "-")
        parse_account(account)
    for event in shop.events:
        assert {"event_id", "user_id", "type", "timestamp", "channel"} <= event.keys()
        assert event["timestamp"].endswith("Z")
        parse_event(event)


def test_types_channels_and_references_are_valid(shop: LoadedShop) -> None:
    item_ids = {item["item_id"] for item in shop.items}
    user_ids = {account["user_id"] for account in shop.accounts}
    assert len(item_ids) == len(shop.items) and len(user_ids) == len(shop.accounts)
    assert {event["type"] for event in shop.events} == EVENT_TYPES
    assert {event["channel"] for event in shop.events} == set(KNOWN_CHANNELS)
    for event in shop.events:
        assert event["user_id"] in user_ids
        if event["type"] == "search":
            assert event["query"] and "item_id" not in event
        else:
            assert event["item_id"] in item_ids
        if event["type"] in ("rate", "review"):
            assert 1 <= event["value"] <= 5
        if event["type"] == "review":
            assert event["text"]
    timestamps = [event["timestamp"] for event in shop.events]
    assert timestamps == sorted(timestamps)


def test_catalog_reads_like_a_real_shop(shop: LoadedShop) -> None:
    by_title = {item["title"]: item for item in shop.items}
    assert "Nimbus X12 Smartphone 128GB Midnight Blue" in by_title
    case = by_title["Case for Nimbus X12, Shockproof, Clear"]
    assert case["attributes"]["compatible_with"] == ["Nimbus X12"]
    assert case["category"] == "Electronics > Phone Accessories > Cases"
    chinese = [item for item in shop.items if is_chinese(item["title"])]
    assert len(chinese) >= 4 and all(item["category"].startswith("Electronics > Audio") for item in chinese)
    assert len({item["category"].split(" > ")[0] for item in shop.items}) >= 8
    in_stock = sum(item["in_stock"] for item in shop.items) / len(shop.items)
    assert 0.85 < in_stock < 1.0


def test_accounts_carry_region_and_age_band_for_the_fairness_report(shop: LoadedShop) -> None:
    from collections import Counter, defaultdict

    from shelfwise.demo.people import AGE_BANDS, REGIONS

    regions: dict[str, set[str]] = defaultdict(set)
    bands: dict[str, set[str]] = defaultdict(set)
    for account in shop.accounts:
        attributes, person = account["attributes"], shop.person_of[account["user_id"]]
        assert ("region" in attributes) == (account["channel"] != "social")
        if "region" in attributes:
            regions[person].add(attributes["region"])
        if account["channel"] == "app" or "member_id" in account:
            bands[person].add(attributes["age_band"])
        if account["channel"] == "store":  # the region is the home store's
            assert attributes["region"] == REGIONS[attributes["home_store"]]
    # One person, one region and one age across all their accounts.
    assert all(len(seen) == 1 for seen in regions.values()) and all(len(seen) == 1 for seen in bands.values())
    counts = Counter(next(iter(seen)) for seen in bands.values())
    assert set(counts) == set(AGE_BANDS) and set(REGIONS.values()) == {"north", "east", "south", "west"}
    assert counts["25-34"] > counts["65+"]  # drawn with the shop's age mix, not uniformly
