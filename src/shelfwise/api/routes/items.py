"""``GET /v1/items/{id}``, ``/similar``, ``/complementary``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from shelfwise.api.deps import Engine, json_response, require
from shelfwise.api.routes.recommendations import ranked_body
from shelfwise.api.schemas import ItemListPublic, ItemPublic

router = APIRouter(prefix="/v1/items", tags=["items"], dependencies=[require("read")])

# Who is looking (optional): their clicks on the list are then credited to it without a request id.
ShopperQuery = Annotated[
    str | None, Query(max_length=256, description="The shopper viewing the list (feedback attribution).")
]


@router.get("/{item_id}", response_model=ItemPublic)
async def get_item(item_id: str, engine: Engine) -> Response:
    item = engine.item(item_id)
    return json_response(
        {
            "item_id": item.item_id,
            "title": item.title,
            "description": item.description,
            "brand": item.brand,
            "category": list(item.category),
            "price": item.price,
            "currency": item.currency,
            "attributes": item.attributes,
            "image_url": item.image_url,
            "in_stock": item.in_stock,
        }
    )


@router.get("/{item_id}/similar", response_model=ItemListPublic)
async def similar(
    item_id: str, engine: Engine, k: Annotated[int, Query(ge=1, le=200)] = 10, user_id: ShopperQuery = None
) -> Response:
    """Items like this one (alternatives)."""
    return json_response(ranked_body(engine.similar(item_id, k, user_id)))


@router.get("/{item_id}/complementary", response_model=ItemListPublic)
async def complementary(
    item_id: str, engine: Engine, k: Annotated[int, Query(ge=1, le=200)] = 10, user_id: ShopperQuery = None
) -> Response:
    """Items that go with this one (a case for a phone)."""
    return json_response(ranked_body(engine.complementary(item_id, k, user_id)))
