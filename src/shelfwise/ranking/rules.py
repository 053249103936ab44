"""Business rules as one pure function over a candidate list, shared by every surface.

    candidates ─► hard filters ─► boosts ─► sort ─► pins first ─► cap per category + MMR ─► k items

Hard filters (not in the catalog, out of stock, category / brand / price, excluded ids such as the
anchors, already bought unless re-purchasable) are never relaxed. The cap is relaxed before fewer
than ``k`` items would be returned while candidates remain; diversity only reorders. Callers
over-fetch candidates (about 5 × k) so that the filters leave enough.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from shelfwise.domain import Item, ScoredItem
from shelfwise.ranking.diversity import select
from shelfwise.settings.rules import PlacementRules

PINNED_REASON = "promoted by the shop (pinned)"
BOOSTED_REASON = "on promotion"


@dataclass(frozen=True)
class RuleContext:
    """What the rules need besides the candidates and the catalog."""

    purchased: frozenset[str] = frozenset()  # the customer's purchases (all channels)
    exclude: frozenset[str] = frozenset()  # never shown here, e.g. the anchor items themselves
    # Category labels for items the catalog leaves uncategorised (inferred from text).
    category_of: Mapping[str, str] = field(default_factory=dict)
    # item id → L2-normalised text embedding, for diversity.
    vectors: Mapping[str, np.ndarray] = field(default_factory=dict)


@lru_cache(maxsize=65536)
def _path(name: str) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in name.split(">") if part.strip())


def _under(path: tuple[str, ...], prefixes: Sequence[str]) -> bool:
    return any(path[: len(p)] == p for p in (_path(prefix) for prefix in prefixes) if p)


def category_of(item: Item | None, item_id: str, context: RuleContext) -> str | None:
    if item is not None and item.category:
        return " > ".join(item.category)
    return context.category_of.get(item_id)


def passes_hard_filters(item_id: str, item: Item | None, rules: PlacementRules, context: RuleContext) -> bool:
    if item is None or item_id in context.exclude:
        return False
    if rules.in_stock_only and item.in_stock is False:
        return False
    reads_category = rules.categories or rules.exclude_categories or rules.exclude_purchased
    if reads_category and not _passes_category_filters(item_id, item, rules, context):
        return False
    if rules.brands and (item.brand or "").lower() not in {b.lower() for b in rules.brands}:
        return False
    if rules.min_price is not None or rules.max_price is not None:
        if item.price is None:
            return False
        if rules.min_price is not None and item.price < rules.min_price:
            return False
        if rules.max_price is not None and item.price > rules.max_price:
            return False
    return True


def _passes_category_filters(item_id: str, item: Item, rules: PlacementRules, context: RuleContext) -> bool:
    """Category limits and the already-bought filter (the only rules that read the category path:
    a search page has none, and building the path was most of its rules' time)."""
    category = category_of(item, item_id, context)
    path = _path(category) if category else ()
    if rules.categories and not _under(path, rules.categories):
        return False
    if rules.exclude_categories and _under(path, rules.exclude_categories):
        return False
    if rules.exclude_purchased and item_id in context.purchased:
        return _under(path, rules.repurchasable_categories)
    return True


def boost_of(item_id: str, item: Item, rules: PlacementRules, context: RuleContext) -> float:
    factor = 1.0
    if not rules.boosts:
        return factor
    category = category_of(item, item_id, context)
    path = _path(category) if category else ()
    for key, value in rules.boosts.items():
        kind, _, target = key.partition(":")
        if (
            (kind == "item" and target == item_id)
            or (kind == "brand" and item.brand is not None and target.lower() == item.brand.lower())
            or (kind == "category" and _under(path, [target]))
        ):
            factor *= value
    return factor


def brand_of(item: Item | None) -> str | None:
    """The brand, else the item's ``seller`` attribute: whose share of a list is capped."""
    if item is None:
        return None
    if item.brand:
        return item.brand.lower()
    seller = item.attributes.get("seller")
    return f"seller:{seller}" if seller else None


def cap_brand_share(
    order: Sequence[int], brands: Sequence[str | None], k: int, share: float, pinned: set[int]
) -> list[int]:
    """The first ``k`` of ``order`` with at most ``share`` of ``k`` per brand (at least one each);
    pins always stay. Relaxed, in order, when the cap would leave fewer than ``k`` items."""
    limit = max(1, int(share * k + 1e-9))
    taken: list[int] = []
    skipped: list[int] = []
    per_brand: dict[str, int] = {}
    for position in order:
        if len(taken) == k:
            break
        brand = brands[position]
        if position in pinned or brand is None or per_brand.get(brand, 0) < limit:
            taken.append(position)
            if brand is not None:
                per_brand[brand] = per_brand.get(brand, 0) + 1
        else:
            skipped.append(position)
    taken += skipped[: k - len(taken)]
    return taken


def apply_rules(
    candidates: Sequence[ScoredItem],
    catalog: Mapping[str, Item],
    rules: PlacementRules,
    k: int,
    context: RuleContext | None = None,
) -> list[ScoredItem]:
    """The ``k`` items to show, best first, each with its reasons (a pin or boost says so)."""
    context = context or RuleContext()
    seen: set[str] = set()
    kept: list[ScoredItem] = []
    for candidate in candidates:
        if candidate.item_id in seen:
            continue
        seen.add(candidate.item_id)
        item = catalog.get(candidate.item_id)
        if not passes_hard_filters(candidate.item_id, item, rules, context):
            continue
        factor = boost_of(candidate.item_id, item, rules, context)  # type: ignore[arg-type]
        if factor != 1.0:
            reasons = (*candidate.reasons, BOOSTED_REASON) if factor > 1.0 else candidate.reasons
            candidate = ScoredItem(candidate.item_id, round(candidate.score * factor, 6), reasons)
        kept.append(candidate)
    kept.sort(key=lambda s: -s.score)  # stable: equal scores keep the model's order

    by_id = {s.item_id: n for n, s in enumerate(kept)}
    pinned: list[int] = []
    for pin in rules.pins:
        if pin in seen and pin not in by_id:
            continue  # a candidate the hard filters removed stays removed
        if pin not in by_id:
            if not passes_hard_filters(pin, catalog.get(pin), rules, context):
                continue
            kept.append(ScoredItem(pin, 0.0, ()))
            by_id[pin] = len(kept) - 1
        position = by_id[pin]
        if position not in pinned:
            pinned.append(position)

    # Categories only matter to the per-category cap (``select`` reads them for nothing else).
    categories = (
        [category_of(catalog.get(s.item_id), s.item_id, context) for s in kept]
        if rules.max_per_category is not None
        else [None] * len(kept)
    )
    vectors = None
    if rules.diversity > 0 and kept and all(s.item_id in context.vectors for s in kept):
        vectors = np.stack([np.asarray(context.vectors[s.item_id], dtype=np.float32) for s in kept])
    capped = rules.max_share_per_brand is not None
    order = select(
        [s.score for s in kept],
        categories,
        len(kept) if capped else k,  # the brand cap below picks k from the whole order
        rules.max_per_category,
        rules.diversity,
        vectors,
        chosen=pinned,
    )
    if capped:
        brands = [brand_of(catalog.get(s.item_id)) for s in kept]
        order = cap_brand_share(order, brands, k, rules.max_share_per_brand, set(pinned))  # type: ignore[arg-type]
    out = []
    for position in order:
        scored = kept[position]
        if position in pinned:
            scored = ScoredItem(scored.item_id, scored.score, (PINNED_REASON, *scored.reasons))
        out.append(scored)
    return out
