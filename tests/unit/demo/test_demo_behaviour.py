"""The realism later features rely on: identities, complements, channels and sessions."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from shelfwise.demo.items import is_chinese

if TYPE_CHECKING:
    from tests.unit.demo.conftest import LoadedShop


def _kinds(shop: LoadedShop) -> dict[str, str]:
    return shop.files.truth.item_kinds


def test_many_people_use_two_or_more_channels(shop: LoadedShop) -> None:
    accounts = shop.files.truth.person_accounts
    multi = sum(len({user_id.split("-")[0] for user_id in ids}) >= 2 for ids in accounts.values())
    assert multi / len(accounts) > 0.5
    assert all(1 <= len(ids) <= 4 for ids in accounts.values())


def test_identity_keys_are_messy_like_real_ones(shop: LoadedShop) -> None:
    emails = [a["email"] for a in shop.accounts if "email" in a]
    assert any(e != e.strip() for e in emails) and any(e.strip() != e.strip().lower() for e in emails)
    phones = [a["phone"] for a in shop.accounts if "phone" in a]
    shapes = {re.sub(r"\d", "9", phone) for phone in phones}
    assert len(shapes) >= 4
    keys = ("email", "phone", "member_id", "device_id", "handle")
    assert sum(not any(k in a for k in keys) for a in shop.accounts) >= 30  # guest checkouts
    assert all("member_id" not in a or a["channel"] in ("store", "app") for a in shop.accounts)


def test_store_default_phone_is_shared_by_many_different_people(shop: LoadedShop) -> None:
    default = shop.files.truth.store_default_phone
    holders = [a["user_id"] for a in shop.accounts if a.get("phone") == default]
    assert len(holders) >= 100
    assert all(a["channel"] == "store" for a in shop.accounts if a.get("phone") == default)
    assert len({shop.person_of[user_id] for user_id in holders}) == len(holders)


def test_family_tablets_are_shared_by_different_people(shop: LoadedShop) -> None:
    shared = shop.files.truth.shared_devices
    assert len(shared) >= 20
    for device, user_ids in shared.items():
        assert 2 <= len(user_ids) <= 4
        assert len({shop.person_of[u] for u in user_ids}) == len(user_ids), device
        assert all(u.startswith("app-") for u in user_ids)


def test_complement_truth_is_directional_and_never_a_substitute(shop: LoadedShop) -> None:
    kinds = _kinds(shop)
    complements = shop.files.truth.complements
    phones = [item_id for item_id, kind in kinds.items() if kind == "phone"]
    assert phones and all(item_id in complements for item_id in phones)
    for phone in phones:
        assert {kinds[c] for c in complements[phone]} <= {"case", "protector", "charger", "earbuds"}
        assert kinds[complements[phone][0]] == "case"
    for anchor, items in complements.items():
        assert all(kinds[c] != kinds[anchor] for c in items)
    assert not any(kinds[item_id] == "case" for item_id in complements)  # a case implies no phone
    shampoos = [i for i, k in kinds.items() if k == "shampoo"]
    assert all(kinds[complements[s][0]] == "conditioner" for s in shampoos)


def _purchases_by_person(shop: LoadedShop) -> dict[str, list[tuple[str, str, str]]]:
    purchases: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for event in shop.events:
        if event["type"] == "purchase":
            purchases[shop.person_of[event["user_id"]]].append(
                (event["timestamp"], event["item_id"], event["channel"])
            )
    return purchases


def test_phone_comes_before_its_accessory_and_crosses_channels(shop: LoadedShop) -> None:
    kinds, complements = _kinds(shop), shop.files.truth.complements
    phone_first = accessory_first = store_then_online = 0
    for purchases in _purchases_by_person(shop).values():
        for when, phone, channel in purchases:
            if kinds[phone] != "phone":
                continue
            for later, accessory, accessory_channel in purchases:
                if kinds[accessory] in ("case", "protector") and accessory in complements[phone]:
                    phone_first += when <= later
                    accessory_first += when > later
                    store_then_online += channel == "store" and accessory_channel != "store" and when <= later
    assert phone_first >= 60
    assert phone_first >= 5 * accessory_first
    assert store_then_online >= 10


def test_substitutes_are_viewed_together_but_rarely_bought_together(shop: LoadedShop) -> None:
    kinds = _kinds(shop)
    viewed: dict[str, set[str]] = defaultdict(set)
    bought: dict[str, list[str]] = defaultdict(list)
    for event in shop.events:
        if event.get("item_id") and kinds[event["item_id"]] == "phone":
            if event["type"] == "view":
                viewed[event["session_id"]].add(event["item_id"])
            elif event["type"] == "purchase":
                bought[event["session_id"]].append(event["item_id"])
    assert sum(len(phones) >= 2 for phones in viewed.values()) >= 100
    assert sum(len(phones) >= 2 for phones in bought.values()) <= 0.05 * len(bought)


def test_searches_lead_to_matching_clicks_and_impressions(shop: LoadedShop) -> None:
    searches = [e for e in shop.events if e["type"] == "search"]
    assert len(searches) >= 1000
    assert any(is_chinese(e["query"]) for e in searches)  # some shoppers search in Chinese
    clicked_from_search = [e for e in shop.events if e["type"] == "click" and "query" in e]
    impressions = [e for e in shop.events if e["type"] == "impression"]
    assert len(clicked_from_search) >= len(searches) and len(impressions) >= 4 * len(searches)
    titles = {e["item_id"] for e in clicked_from_search}
    assert len(titles) > 200


def test_store_visits_are_purchases_with_a_store(shop: LoadedShop) -> None:
    store_events = [e for e in shop.events if e["channel"] == "store"]
    assert len(store_events) >= 1000
    assert {e["type"] for e in store_events} == {"purchase"}
    assert all(e["store_id"].startswith("store-") for e in store_events)
    assert not any("store_id" in e for e in shop.events if e["channel"] != "store")


def test_consumables_are_bought_again(shop: LoadedShop) -> None:
    kinds = _kinds(shop)
    repeats = Counter()
    for purchases in _purchases_by_person(shop).values():
        counts = Counter(item for _, item, _ in purchases)
        for item, count in counts.items():
            if count >= 2:
                repeats[kinds[item]] += 1
    assert repeats["beans"] >= 20 and repeats["shampoo"] >= 20
    assert repeats["phone"] <= 3
