"""Typed business rules per placement (hung off the root ``Settings`` as ``rules``).

Hard filters (stock, categories, brands, price, already bought) are never relaxed. Caps per
category and diversity shape the order and are relaxed, in that order, before a surface would
return fewer than ``k`` items while candidates remain. Pins put promotions first; boosts multiply
scores.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shelfwise.errors import ConfigError

Placement = Literal["home", "product", "cart", "search"]
PLACEMENTS: tuple[str, ...] = ("home", "product", "cart", "search")


class PlacementRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Drop items marked out of stock (items with no stock information stay).
    in_stock_only: bool = True
    # Category path prefixes to keep ("Electronics" or "Electronics > Phones"); empty keeps all.
    categories: list[str] = []
    # Category path prefixes to drop.
    exclude_categories: list[str] = []
    # Brands to keep (case-insensitive); empty keeps all.
    brands: list[str] = []
    # Price range; items without a price are dropped when a bound is set.
    min_price: float | None = Field(None, ge=0)
    max_price: float | None = Field(None, ge=0)
    # Never show what the customer already bought, except in these re-purchasable category prefixes
    # (consumables: coffee beans, shampoo, pet food).
    exclude_purchased: bool = True
    repurchasable_categories: list[str] = []
    # Score multipliers keyed "item:ID", "brand:NAME" or "category:PREFIX" (promotions).
    boosts: dict[str, float] = {}
    # Item ids shown first, in this order, whenever they pass the hard filters.
    pins: list[str] = []
    # At most this many items per category (None: no cap).
    max_per_category: int | None = Field(None, ge=1)
    # 0 = pure score order; up to 1 = strongly favour items unlike those already chosen (MMR over
    # the text embeddings).
    diversity: float = Field(0.0, ge=0.0, le=1.0)
    # At most this share of a list from one brand (or seller: the item's "seller" attribute when it
    # has no brand), e.g. 0.3 = 3 of 10; None: no cap. Relaxed like the category cap.
    max_share_per_brand: float | None = Field(None, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _price_range(self) -> PlacementRules:
        if self.min_price is not None and self.max_price is not None and self.min_price > self.max_price:
            raise ValueError("min_price is above max_price")
        return self


# One class per placement so that its defaults survive partial overrides from the environment
# (pydantic-settings builds a nested model from the variables it finds, then the class defaults).
class HomeRules(PlacementRules):
    max_per_category: int | None = Field(3, ge=1)
    diversity: float = Field(0.2, ge=0.0, le=1.0)


class ProductRules(PlacementRules):
    max_per_category: int | None = Field(3, ge=1)


class CartRules(PlacementRules):
    max_per_category: int | None = Field(2, ge=1)


class SearchRules(PlacementRules):
    # Search shows what was asked for: sold-out items (marked) and past purchases (re-orders) too.
    in_stock_only: bool = False
    exclude_purchased: bool = False


class RulesSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    home: HomeRules = HomeRules()
    product: ProductRules = ProductRules()
    cart: CartRules = CartRules()
    search: SearchRules = SearchRules()

    def for_placement(self, placement: str) -> PlacementRules:
        if placement not in PLACEMENTS:
            raise ConfigError(f"unknown placement {placement!r}; choose one of {', '.join(PLACEMENTS)}")
        rules: PlacementRules = getattr(self, placement)
        return rules
