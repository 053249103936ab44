"""Search end to end on a tiny catalog (fake encoder): known answers for each capability."""

from __future__ import annotations

from collections.abc import Callable

from shelfwise.domain import Event, Item
from shelfwise.service.lists import ListService

Make = Callable[..., ListService]


def ids(results: list) -> list[str]:
    return [r.item_id for r in results]


def test_typo_query_finds_the_right_item(make_service: Make) -> None:
    service = make_service()
    results = service.search("dewalt drillls", k=3)
    assert ids(results)[0] == "drill-dewalt"
    assert any("spelling" in reason for reason in results[0].reasons)


def test_price_limit_is_a_hard_filter(make_service: Make) -> None:
    results = make_service().search("red running shoes under $50", k=10)
    assert ids(results) == ["shoe-nike"]  # adidas is red but 65; asics is 40 but blue
    assert "colour red" in results[0].reasons and "price 45 (≤ 50)" in results[0].reasons


def test_sizes_match_across_notations(make_service: Make) -> None:
    results = make_service().search("2x4 8ft", k=3)
    assert ids(results)[0] == "stud-2x4"
    assert make_service().search("1/2 inch copper pipe", k=1)[0].item_id == "pipe-half"


def test_brand_and_colour_filters(make_service: Make) -> None:
    service = make_service()
    assert set(ids(service.search("dewalt", k=10))) == {"drill-dewalt", "saw-dewalt"}
    assert set(ids(service.search("blue running shoes", k=10))) == {"shoe-asics"}
    explained = service.explain_search("dewalt drill under $100")
    assert explained["filters"]["brand"] == ["dewalt"]
    assert explained["filters"]["price"] == {"min": None, "max": 100.0}
    assert next(iter(explained["category_intent"])) == "drills"


def test_chinese_query_with_price(make_service: Make) -> None:
    results = make_service().search("无线蓝牙耳机 200元以内", k=5)
    assert ids(results) == ["ear-huawei"]  # the Sony pair matches the words but costs 2499
    mixed = make_service().search("华为 bluetooth 耳机", k=1)
    assert ids(mixed) == ["ear-huawei"]


def _buy(service: ListService, user: str, item_ids: list[str]) -> None:
    service._ctx.store.append_events(
        [
            (f"{user}-{n}", Event(user_id=user, item_id=i, type="purchase", timestamp=1000.0 + n))
            for n, i in enumerate(item_ids)
        ]
    )


def test_personalization_lifts_a_preferred_brand(make_service: Make) -> None:
    service = make_service()
    anonymous = ids(service.search("running shoes", k=3))
    _buy(service, "fan", ["shoe-adidas", "shoe-adidas", "shoe-adidas"])
    personal = service.search("running shoes", user_id="fan", k=3)
    assert ids(personal)[0] == "shoe-adidas" and anonymous[0] != "shoe-adidas"
    assert any("Adidas" in reason for reason in personal[0].reasons)


def test_personalization_never_overrides_the_query(make_service: Make) -> None:
    service = make_service()
    _buy(service, "fan", ["shoe-asics"] * 5)  # loves the blue Asics
    assert ids(service.search("nike running shoes", user_id="fan", k=3)) == ["shoe-nike"]
    red = ids(service.search("red running shoes", user_id="fan", k=3))
    assert "shoe-asics" not in red and red  # colour stays a filter
    cheap = ids(service.search("running shoes under $42", user_id="fan", k=3))
    assert cheap == ["shoe-asics"]
    # A named category ranks above the customer's favourites outside it.
    _buy(service, "builder", ["drill-dewalt", "saw-dewalt", "drill-makita"] * 3)
    top = service.search("running shoes", user_id="builder", k=3)
    assert {r.item_id for r in top} == {"shoe-nike", "shoe-adidas", "shoe-asics"}


def test_new_item_is_searchable_without_retraining(make_service: Make) -> None:
    service = make_service()
    assert "lamp-1" not in ids(service.search("brass floor lamp", k=3))
    service._ctx.store.upsert_items([Item("lamp-1", "Brass Floor Lamp", category=("Lighting",), price=80.0)])
    assert ids(service.search("brass floor lamp", k=3))[0] == "lamp-1"
    # A changed item is re-indexed too.
    service._ctx.store.upsert_items([Item("lamp-1", "Brass Floor Lamp", category=("Lighting",), price=30.0)])
    assert ids(service.search("floor lamp under $40", k=3)) == ["lamp-1"]


def test_an_unknown_user_gets_the_anonymous_results(make_service: Make) -> None:
    service = make_service()
    anonymous = service.search("drill", k=5)
    unknown = service.search("drill", user_id="nobody", k=5)
    assert ids(unknown) == ids(anonymous)
    assert unknown.customer_id is None
