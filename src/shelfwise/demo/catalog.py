"""The assembled demo catalog and its complement map.

The complement map is the ground truth the simulated shoppers follow *and* the answer key
for later tests: it is directional (a phone lists its cases; a case does not list the phone)
and ordered strongest first.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from shelfwise.demo.departments_life import (
    add_beauty,
    add_home,
    add_sports,
    add_toys_grocery_garden,
)
from shelfwise.demo.departments_pets_textiles import add_home_textiles_and_pets
from shelfwise.demo.departments_tech import add_computers, add_electronics
from shelfwise.demo.items import DemoItem, ItemBuilder

# anchor kind -> complement kinds, each with the chance a buyer of the anchor also buys one
# and the delay in days (min, max) after the anchor purchase. A delay of 0 means "same basket".
FOLLOW_UPS: dict[str, list[tuple[str, float, tuple[float, float]]]] = {
    "phone": [
        ("case", 0.6, (0, 6)),
        ("protector", 0.3, (0, 8)),
        ("charger", 0.3, (1, 12)),
        ("earbuds", 0.2, (2, 20)),
    ],
    "tablet": [("tablet_case", 0.5, (0, 7)), ("charger", 0.15, (1, 14))],
    "laptop": [
        ("mouse", 0.45, (0, 8)),
        ("sleeve", 0.3, (1, 10)),
        ("laptop_bag", 0.25, (1, 14)),
        ("hub", 0.15, (2, 20)),
    ],
    "monitor": [("keyboard", 0.2, (0, 10)), ("hub", 0.15, (0, 10))],
    "coffee_maker": [
        ("beans", 0.7, (0, 5)),
        ("filters", 0.5, (0, 6)),
        ("mug", 0.2, (1, 15)),
        ("grinder", 0.15, (2, 20)),
    ],
    "grinder": [("beans", 0.6, (0, 6))],
    "shampoo": [("conditioner", 0.45, (0, 10))],
    "running_shoes": [("socks", 0.5, (0, 7)), ("running_apparel", 0.2, (2, 20))],
    "yoga_mat": [("bottle", 0.2, (0, 10))],
    "planter": [("seeds", 0.35, (0, 7)), ("garden_tool", 0.2, (0, 14))],
}


@dataclass(slots=True)
class Catalog:
    items: list[DemoItem]
    by_id: dict[str, DemoItem]
    by_kind: dict[str, list[DemoItem]]
    # item_id -> complementary item_ids, strongest first.
    complements: dict[str, list[str]] = field(default_factory=dict)


def build_catalog(rng: random.Random, catalog_start: datetime) -> Catalog:
    builder = ItemBuilder(rng, catalog_start)
    for add_department in (
        add_electronics,
        add_computers,
        add_home,
        add_beauty,
        add_sports,
        add_toys_grocery_garden,
        add_home_textiles_and_pets,
    ):
        add_department(builder)
    by_kind: dict[str, list[DemoItem]] = {}
    for item in builder.items:
        by_kind.setdefault(item.kind, []).append(item)
    catalog = Catalog(builder.items, {item.item_id: item for item in builder.items}, by_kind)
    for item in builder.items:
        if item.kind in FOLLOW_UPS:
            complements = [
                c.item_id
                for kind, _, _ in FOLLOW_UPS[item.kind]
                for c in complements_of_kind(catalog, item, kind)
            ]
            catalog.complements[item.item_id] = complements
    return catalog


def complements_of_kind(catalog: Catalog, anchor: DemoItem, kind: str) -> list[DemoItem]:
    """The items of ``kind`` that genuinely go with ``anchor``, best match first."""
    candidates = catalog.by_kind.get(kind, [])
    if kind in ("case", "protector", "tablet_case"):
        # Model-specific accessories: only those naming the anchor's model fit.
        return [c for c in candidates if c.model == anchor.model]
    if anchor.kind == "laptop" and kind in ("sleeve", "laptop_bag"):
        size = anchor.attributes["screen_size"]
        return [c for c in candidates if size in c.attributes["compatible_with"]]
    if kind == "filters":
        style = anchor.attributes.get("brew_style", "")
        return [c for c in candidates if style in c.attributes["compatible_with"]]
    if kind == "conditioner":
        # Same brand and line first (the "Hydrating" pair), then the rest of the brand.
        same_line = [c for c in candidates if c.model == anchor.model]
        same_brand = [c for c in candidates if c.brand == anchor.brand and c.model != anchor.model]
        return same_line + same_brand
    if kind == "beans" and anchor.attributes.get("brew_style") == "espresso":
        return sorted(candidates, key=lambda c: "Espresso" not in c.title)
    return sorted(candidates, key=lambda c: -c.popularity)
