"""``GET /v1/suggest?q=&k=&user_id=``: query completions (same ``read`` scope as search).

One ``SuggestService`` per app, created on first use on the serving engine's store connection
(request handlers run on the event loop thread, as every other engine call)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from shelfwise.api.deps import Engine, json_response, require
from shelfwise.api.schemas import SuggestionsPublic
from shelfwise.service.suggest import SuggestService

router = APIRouter(prefix="/v1", tags=["search"], dependencies=[require("read")])


def _service(request: Request, engine: Engine) -> SuggestService:
    service = getattr(request.app.state, "suggest", None)
    if service is None:
        service = request.app.state.suggest = SuggestService(engine.context)
    return service


@router.get("/suggest", response_model=SuggestionsPublic)
async def suggest(
    request: Request,
    engine: Engine,
    q: Annotated[str, Query(min_length=1, max_length=200, description="What was typed so far.")],
    k: Annotated[int, Query(ge=1, le=50)] = 5,
    user_id: Annotated[str | None, Query(description="Personalise for this user or customer.")] = None,
) -> Response:
    found = _service(request, engine).suggest(q, k, user_id)
    return json_response(
        {"suggestions": [{"text": s.text, "score": s.score, "source": s.source} for s in found]}
    )
