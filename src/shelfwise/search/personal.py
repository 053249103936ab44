"""A customer's taste, read from their history across every account and channel at request time.

Affinities are shares of the customer's engaged items (recent ones weigh more): brand, each level
of the category path, colour, a price band around their typical price, and the embedding
similarity to what they engaged with recently. The boost is bounded in [0, 1] and multiplied by
``SearchSettings.personalization_weight``; the engine adds it only *within* a tier of equal
explicit-intent match, so it can reorder but never override what the query asked for.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from shelfwise.domain import Event
from shelfwise.search.index import SearchIndex

RECENT = 20
HALF_LIFE_STEPS = 10.0  # an item engaged 10 steps ago counts half as much as the last one
# Share of each signal in the boost (sums to 1).
WEIGHTS = {"brand": 0.3, "category": 0.3, "colour": 0.1, "price": 0.1, "similar": 0.2}


@dataclass
class Profile:
    customer_id: str
    brands: Counter[str] = field(default_factory=Counter)
    category_levels: list[Counter[str]] = field(default_factory=list)
    colours: Counter[str] = field(default_factory=Counter)
    log_price: float | None = None
    centroid: np.ndarray | None = None
    recent_rows: tuple[int, ...] = ()
    events: int = 0

    @property
    def empty(self) -> bool:
        return self.events == 0


def _share(counter: Counter[str], key: str) -> float:
    total = sum(counter.values())
    return counter.get(key, 0.0) / total if total else 0.0


def build_profile(customer_id: str, events: Sequence[Event], index: SearchIndex) -> Profile:
    """Events in chronological order (engagement types only)."""
    rows = [index.row_of[e.item_id] for e in events if e.item_id is not None and e.item_id in index.row_of]
    profile = Profile(customer_id, events=len(rows))
    if not rows:
        return profile
    weights = [0.5 ** ((len(rows) - 1 - n) / HALF_LIFE_STEPS) for n in range(len(rows))]
    prices = []
    for row, weight in zip(rows, weights, strict=True):
        fact = index.rows[row]
        if fact.brand:
            profile.brands[fact.brand] += weight
        for level, name in enumerate(fact.categories):
            while len(profile.category_levels) <= level:
                profile.category_levels.append(Counter())
            profile.category_levels[level][name] += weight
        for colour in fact.colours:
            profile.colours[colour] += weight
        price = index.prices[row]
        if np.isfinite(price) and price > 0:
            prices.append(math.log(price))
    if prices:
        profile.log_price = float(np.median(prices))
    recent = list(dict.fromkeys(reversed(rows)))[:RECENT]
    profile.recent_rows = tuple(recent)
    if index.dense is not None and len(index.dense):
        vectors = index.dense.vectors(np.asarray(recent, dtype=np.int64))
        centroid = vectors.mean(axis=0)
        norm = float(np.linalg.norm(centroid))
        profile.centroid = centroid / norm if norm > 0 else None
    return profile


@dataclass(frozen=True)
class PersonalBoost:
    boost: np.ndarray  # in [0, 1] per candidate
    reasons: list[list[str]]


def personal_boost(profile: Profile, index: SearchIndex, rows: np.ndarray) -> PersonalBoost:
    boost = np.zeros(len(rows), dtype=np.float32)
    reasons: list[list[str]] = [[] for _ in rows]
    if profile.empty:
        return PersonalBoost(boost, reasons)
    similar = np.zeros(len(rows), dtype=np.float32)
    if profile.centroid is not None and index.dense is not None:
        similar = np.clip(index.dense.vectors(rows) @ profile.centroid, 0.0, 1.0)
    for n, row in enumerate(rows):
        fact = index.rows[int(row)]
        brand = _share(profile.brands, fact.brand) if fact.brand else 0.0
        levels = [
            _share(profile.category_levels[i], name)
            for i, name in enumerate(fact.categories[: len(profile.category_levels)])
        ]
        category = float(np.mean(levels)) if levels else 0.0
        colour = max((_share(profile.colours, c) for c in fact.colours), default=0.0)
        price_fit = 0.0
        price = index.prices[int(row)]
        if profile.log_price is not None and np.isfinite(price) and price > 0:
            price_fit = math.exp(-abs(math.log(price) - profile.log_price))
        boost[n] = (
            WEIGHTS["brand"] * brand
            + WEIGHTS["category"] * category
            + WEIGHTS["colour"] * colour
            + WEIGHTS["price"] * price_fit
            + WEIGHTS["similar"] * float(similar[n])
        )
        if brand >= 0.2:
            reasons[n].append(f"you often choose {fact.item.brand}")
        if category >= 0.3 and fact.item.category:
            reasons[n].append(f"you often shop {fact.item.category[-1]}")
        if colour >= 0.3:
            reasons[n].append(f"you like {sorted(fact.colours)[0]}")
        if int(row) in profile.recent_rows[:5]:
            reasons[n].append("you looked at this recently")
        elif similar[n] >= 0.8:
            reasons[n].append("like items you engaged with recently")
    return PersonalBoost(boost, reasons)
