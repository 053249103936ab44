"""Dependencies shared by the routes: the serving engine, JSON bodies and API-key scopes."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response

from shelfwise.errors import ValidationError
from shelfwise.service.keys import KeyService, grants
from shelfwise.service.serving import ServingEngine

KEY_COOKIE = "shelfwise_key"  # the HTML page keeps the key in an HttpOnly cookie (browsers send no Bearer)


async def get_engine(request: Request) -> ServingEngine:
    # ``async``: FastAPI runs a plain ``def`` dependency in its threadpool, a thread hop per request
    # (measured: most of the framework's cost of a recommendation; benchmarks/profile_request.py http).
    return request.app.state.engine


Engine = Annotated[ServingEngine, Depends(get_engine)]


def json_response(payload: Any, status_code: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status_code, media_type="application/json")


def _presented_key(request: Request, allow_cookie: bool) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None
    # Only the read-only HTML pages take the cookie: API routes never do (no cross-site writes).
    return request.cookies.get(KEY_COOKIE) if allow_cookie else None


def scopes_of(request: Request, allow_cookie: bool = False) -> tuple[str, ...] | None:
    """The scopes of the request's key; None when there is no valid key."""
    key = _presented_key(request, allow_cookie)
    if key is None:
        return None
    keys: KeyService = request.app.state.keys
    return keys.verify(key)


def require(scope: str) -> Any:
    """A route dependency: 401 without a valid key, 403 when the key lacks ``scope``."""

    async def check(request: Request) -> None:
        if not request.app.state.auth:
            return
        scopes = scopes_of(request)
        if scopes is None:
            raise HTTPException(401, "missing or invalid API key", headers={"WWW-Authenticate": "Bearer"})
        if not grants(scopes, scope):
            raise HTTPException(403, f"this API key lacks the {scope!r} scope")

    return Depends(check)


async def json_rows(request: Request) -> list[Any]:
    """The request body as a JSON array of records (422 otherwise; 413 past the batch limit)."""
    body = await request.body()
    try:
        rows = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ValidationError(f"not valid JSON ({exc})", "body") from None
    if isinstance(rows, dict):
        rows = [rows]  # one record is a batch of one
    if not isinstance(rows, list):
        raise ValidationError("expected a JSON array of records", "body")
    limit = request.app.state.settings.serve.max_batch_rows
    if len(rows) > limit:
        raise HTTPException(413, f"{len(rows)} records in one request; at most {limit}")
    return rows


Rows = Annotated[list[Any], Depends(json_rows)]
