"""``GET /v1/search?q=&user_id=&k=``: the items, what the query relaxed, a merchant redirect;
``GET /v1/search/explain?q=``: how the query was read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from shelfwise.api.deps import Engine, json_response, require
from shelfwise.api.routes.recommendations import ranked_body
from shelfwise.api.schemas import SearchPublic

router = APIRouter(prefix="/v1", tags=["search"], dependencies=[require("read")])


@router.get("/search", response_model=SearchPublic)
async def search(
    engine: Engine,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    user_id: Annotated[str | None, Query(description="Personalise for this user or customer.")] = None,
    k: Annotated[int, Query(ge=1, le=200)] = 10,
) -> Response:
    return json_response(ranked_body(engine.search(q, user_id, k)))


@router.get("/search/explain")
async def explain(engine: Engine, q: Annotated[str, Query(min_length=1, max_length=500)]) -> Response:
    """How the served search reads the query: spelling corrections, filters, category intent, ranker."""
    return json_response(engine.explain_search(q))
