"""Demo catalog items: fictional products that read like real listings.

Every item carries hidden fields (``kind``, ``quality``, ``popularity``, ``search_terms``)
that drive behaviour in :mod:`shelfwise.demo.behaviour` and are never written to
``items.jsonl``: the product must rediscover them from events and text alone.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# Kinds that are bought again and again; the shopper simulation re-purchases them.
CONSUMABLE_KINDS: frozenset[str] = frozenset(
    {
        "beans",
        "filters",
        "shampoo",
        "conditioner",
        "snacks",
        "tea",
        "pantry",
        "cleanser",
        "moisturizer",
        "pet_food",
        "pet_treats",
    }
)


_CJK = re.compile("[\u4e00-\u9fff]")


def is_chinese(text: str) -> bool:
    """True when the text contains CJK ideographs (not merely accents such as "Sauté")."""
    return _CJK.search(text) is not None


@dataclass(slots=True)
class DemoItem:
    item_id: str
    title: str
    description: str
    brand: str
    category: tuple[str, ...]
    price: float
    attributes: dict[str, Any]
    in_stock: bool
    created_at: datetime
    # Hidden ground truth (not written to items.jsonl).
    kind: str
    quality: float  # 0..1, drives ratings
    popularity: float  # relative weight among items of the same kind
    search_terms: tuple[str, ...]
    model: str = ""  # the product line an accessory names, e.g. "Nimbus X12"
    chinese_title: bool = False

    @property
    def consumable(self) -> bool:
        return self.kind in CONSUMABLE_KINDS

    def to_record(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "title": self.title,
            "description": self.description,
            "brand": self.brand,
            "category": " > ".join(self.category),
            "price": self.price,
            "currency": "USD",
            "attributes": self.attributes,
            "in_stock": self.in_stock,
            "created_at": self.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


class ItemBuilder:
    def __init__(self, rng: random.Random, catalog_start: datetime) -> None:
        self.rng = rng
        self.catalog_start = catalog_start
        self.items: list[DemoItem] = []
        self.counters: dict[str, int] = {}

    def price(self, low: float, high: float) -> float:
        # Shop prices end in .99 (or .49 for cheap things).
        whole = int(self.rng.uniform(low, high))
        return whole + (0.49 if whole < 10 and self.rng.random() < 0.5 else 0.99)

    def add(
        self,
        kind: str,
        title: str,
        brand: str,
        category: str,
        price: float,
        description: str,
        attributes: dict[str, Any],
        terms: list[str],
        model: str = "",
    ) -> DemoItem:
        number = self.counters.get(kind, 0) + 1
        self.counters[kind] = number
        rng = self.rng
        item = DemoItem(
            item_id=f"{kind}-{number:03d}",
            title=title,
            description=description,
            brand=brand,
            category=tuple(part.strip() for part in category.split(">")),
            price=round(price, 2),
            attributes=attributes,
            in_stock=rng.random() > 0.06,
            created_at=self.catalog_start + timedelta(days=rng.uniform(0, 330), seconds=rng.randrange(86400)),
            kind=kind,
            quality=min(1.0, max(0.0, rng.gauss(0.72, 0.15))),
            popularity=rng.paretovariate(1.6),
            search_terms=tuple(terms),
            model=model,
            chinese_title=is_chinese(title),
        )
        self.items.append(item)
        return item
