"""The brand (or seller) share cap of the business rules, on lists whose right answer is known."""

from __future__ import annotations

from shelfwise.domain import Item, ScoredItem
from shelfwise.ranking.rules import apply_rules, cap_brand_share
from shelfwise.settings.rules import PlacementRules


def _catalog() -> dict[str, Item]:
    # Nimbus holds the six best scores; three other brands and one seller follow.
    brands = ["Nimbus"] * 6 + ["Orbita", "Orbita", "Kestrel", None]
    catalog = {}
    for n, brand in enumerate(brands):
        attributes = {"seller": "shop-7"} if brand is None else {}
        catalog[f"i{n}"] = Item(f"i{n}", f"item {n}", brand=brand, attributes=attributes)
    return catalog


def _candidates() -> list[ScoredItem]:
    return [ScoredItem(f"i{n}", 10.0 - n) for n in range(10)]


def test_at_most_the_share_of_a_list_comes_from_one_brand() -> None:
    rules = PlacementRules(max_share_per_brand=0.4)
    shown = [s.item_id for s in apply_rules(_candidates(), _catalog(), rules, 5)]
    # 40 % of 5 = 2 Nimbus items, then the best of the others in score order.
    assert shown == ["i0", "i1", "i6", "i7", "i8"]


def test_the_cap_is_relaxed_before_a_list_comes_up_short() -> None:
    rules = PlacementRules(max_share_per_brand=0.1)  # one per brand; only 4 brands/sellers exist
    shown = [s.item_id for s in apply_rules(_candidates(), _catalog(), rules, 6)]
    assert shown[:4] == ["i0", "i6", "i8", "i9"]  # one Nimbus, one Orbita, Kestrel, the seller
    assert shown[4:] == ["i1", "i2"]  # then the best of what the cap held back


def test_without_a_cap_the_order_is_the_scores() -> None:
    shown = [s.item_id for s in apply_rules(_candidates(), _catalog(), PlacementRules(), 5)]
    assert shown == ["i0", "i1", "i2", "i3", "i4"]


def test_pins_stay_even_over_the_cap() -> None:
    brands = ["a", "a", "a", "b"]
    assert cap_brand_share([0, 1, 2, 3], brands, 3, 0.34, pinned={0, 1}) == [0, 1, 3]
