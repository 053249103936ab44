"""``GET /v1/recommendations/{user_id}``: next items for a customer, with reasons."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from shelfwise.api.deps import Engine, require, scopes_of
from shelfwise.api.schemas import ItemListPublic
from shelfwise.errors import ConfigError, ValidationError
from shelfwise.service.keys import grants
from shelfwise.service.pipeline import RankedList
from shelfwise.service.serving import ServingEngine


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


QUERY = frozenset({"k", "placement", "exclude"})
MAX_K = 200
MAX_PLACEMENT = 64


def _plain_query(request: Request) -> tuple[int, str | None, str | None] | None:
    """(k, placement, exclude) of a request whose query FastAPI would accept as is: known names
    once each, k plain digits within bounds, a short placement. None for anything else, which the
    framework's own validation then answers (same 422 errors)."""
    items = request.query_params.multi_items()
    names = {name for name, _ in items}
    if len(names) != len(items) or not names <= QUERY or any(not value for _, value in items):
        return None
    params = dict(items)
    k, placement = params.get("k", "10"), params.get("placement")
    if not (k.isascii() and k.isdigit() and k == str(int(k)) and 1 <= int(k) <= MAX_K):
        return None
    if placement is not None and len(placement) > MAX_PLACEMENT:
        return None
    return int(k), placement, params.get("exclude")


class RecommendationRoute(APIRoute):
    """The route's plain requests skip FastAPI's dependency and parameter machinery (most of its
    cost per request once the list is cached: docs/performance.md, branch h16serve3): the key
    check and the query are read directly. Anything else (no or a weak key, an unusual query)
    goes through the standard handler, so every error answer is the framework's."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        standard = super().get_route_handler()

        async def handler(request: Request) -> Response:
            state = request.app.state
            query = _plain_query(request)
            if query is None or (state.auth and not grants(scopes_of(request) or (), "read")):
                return await standard(request)
            return _answer(state.engine, request.path_params["user_id"], *query)

        return handler


router = APIRouter(
    prefix="/v1", tags=["recommendations"], dependencies=[require("read")], route_class=RecommendationRoute
)


def _answer(
    engine: ServingEngine, user_id: str, k: int, placement: str | None, exclude: str | None
) -> Response:
    excluded = [part.strip() for part in exclude.split(",") if part.strip()] if exclude else []
    try:
        body = engine.recommend_body(user_id, k, excluded, placement, encode_ranked)
    except ConfigError as exc:  # an unknown placement
        raise ValidationError(str(exc), "placement") from None
    return Response(body, media_type="application/json")


@router.get("/recommendations/{user_id}", response_model=ItemListPublic)
async def recommendations(
    user_id: str,
    engine: Engine,
    k: Annotated[int, Query(ge=1, le=MAX_K)] = 10,
    placement: Annotated[
        str | None, Query(max_length=MAX_PLACEMENT, description="Where the list is shown (home, cart...).")
    ] = None,
    exclude: Annotated[str | None, Query(description="Comma-separated item ids to leave out.")] = None,
) -> Response:
    """A user id of any channel, or a customer id. Unknown ids get the cold-start list (best sellers)."""
    return _answer(engine, user_id, k, placement, exclude)
