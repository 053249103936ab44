"""``POST /v1/items``, ``/v1/accounts``, ``/v1/events``: JSON arrays of records, all or nothing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from shelfwise.api.deps import Engine, Rows, json_response, require
from shelfwise.api.schemas import AccountCreate, BatchPublic, ErrorPublic, EventCreate, ItemCreate
from shelfwise.service.batches import BatchKind, BatchOutcome

router = APIRouter(prefix="/v1", tags=["ingest"], dependencies=[require("ingest")])


def _body_of(schema: type) -> dict[str, Any]:
    """OpenAPI for a raw JSON array body (rows are validated by the ingest functions, not pydantic)."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "array", "items": schema.model_json_schema()}}
            },
        }
    }


_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorPublic, "description": "Body or batch too large."},
    422: {
        "model": ErrorPublic,
        "description": "Invalid rows, each named with its field; nothing was written.",
    },
}


def _answer(request: Request, kind: BatchKind, outcome: BatchOutcome) -> Response:
    counts = {"stored": 0, "unchanged": 0, "duplicate": 0}
    for result in outcome.results:
        counts[result.status] += 1
    metrics = request.app.state.metrics
    if counts["stored"]:
        metrics.records.labels(kind=kind).inc(counts["stored"])
        if kind == "events":
            metrics.events.inc(counts["stored"])
    return json_response(
        {**counts, "results": [{"row": r.row, "id": r.id, "status": r.status} for r in outcome.results]}
    )


@router.post("/items", response_model=BatchPublic, responses=_ERRORS, openapi_extra=_body_of(ItemCreate))
async def post_items(request: Request, rows: Rows, engine: Engine) -> Response:
    """Add or update catalog items. A new item is searchable and recommendable (by its text) within seconds."""
    return _answer(request, "items", engine.ingest("items", rows))


@router.post(
    "/accounts", response_model=BatchPublic, responses=_ERRORS, openapi_extra=_body_of(AccountCreate)
)
async def post_accounts(request: Request, rows: Rows, engine: Engine) -> Response:
    """Add or update accounts (a customer's identity in one channel); customers are re-resolved."""
    return _answer(request, "accounts", engine.ingest("accounts", rows))


@router.post("/events", response_model=BatchPublic, responses=_ERRORS, openapi_extra=_body_of(EventCreate))
async def post_events(request: Request, rows: Rows, engine: Engine) -> Response:
    """Record events. Idempotent by ``event_id`` (else by content); the next request reflects them."""
    return _answer(request, "events", engine.ingest("events", rows))
