"""``GET /v1/recommendations/{user_id}``: next items for a customer, with reasons."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import Response

from shelfwise.api.deps import Engine, require
from shelfwise.api.schemas import ItemListPublic
from shelfwise.errors import ConfigError, ValidationError
from shelfwise.service.pipeline import RankedList

router = APIRouter(prefix="/v1", tags=["recommendations"], dependencies=[require("read")])


def ranked_body(ranked: RankedList) -> dict[str, object]:
    """The JSON body of every ranked list the API serves (ItemListPublic)."""
    return {
        "request_id": ranked.request_id,
        "placement": ranked.placement,
        "model_version": ranked.model_version,
        "customer_id": ranked.customer_id,
        **(
            {"experiment": ranked.experiment, "variant": ranked.variant} if ranked.variant is not None else {}
        ),
        "items": [{"item_id": s.item_id, "score": s.score, "reasons": list(s.reasons)} for s in ranked.items],
        **(
            {"relaxed": [step.as_dict() for step in ranked.relaxed], "redirect": ranked.redirect}
            if ranked.kind == "search"
            else {}
        ),
    }


def encode_ranked(ranked: RankedList) -> bytes:
    return orjson.dumps(ranked_body(ranked))


@router.get("/recommendations/{user_id}", response_model=ItemListPublic)
async def recommendations(
    user_id: str,
    engine: Engine,
    k: Annotated[int, Query(ge=1, le=200)] = 10,
    placement: Annotated[
        str | None, Query(max_length=64, description="Where the list is shown (home, cart...).")
    ] = None,
    exclude: Annotated[str | None, Query(description="Comma-separated item ids to leave out.")] = None,
) -> Response:
    """A user id of any channel, or a customer id. Unknown ids get the cold-start list (best sellers)."""
    excluded = [part.strip() for part in exclude.split(",") if part.strip()] if exclude else []
    try:
        body = engine.recommend_body(user_id, k, excluded, placement, encode_ranked)
    except ConfigError as exc:  # an unknown placement
        raise ValidationError(str(exc), "placement") from None
    return Response(body, media_type="application/json")
