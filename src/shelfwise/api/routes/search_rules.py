"""Merchant search rules: ``/v1/admin/synonyms`` and ``/v1/admin/query-rules`` (GET, POST,
DELETE ``/{rule_id}``), and ``GET /v1/admin/synonyms/suggestions`` from the search log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from shelfwise.api.deps import Engine, json_response, require
from shelfwise.api.schemas import QueryRuleCreate, SynonymCreate
from shelfwise.service.search_rules import QUERY_RULE_KINDS, SearchRuleService

router = APIRouter(prefix="/v1/admin", tags=["search rules"], dependencies=[require("admin")])


@router.get("/synonyms")
async def list_synonyms(engine: Engine) -> Response:
    return json_response({"synonyms": [e.as_dict() for e in SearchRuleService(engine.context).synonyms()]})


@router.post("/synonyms", status_code=201)
async def add_synonym(engine: Engine, body: SynonymCreate) -> Response:
    """Applied by the search of every server process at its next request."""
    return json_response(SearchRuleService(engine.context).add_synonym(body.synonym).as_dict(), 201)


@router.get("/synonyms/suggestions")
async def synonym_suggestions(
    engine: Engine, min_support: Annotated[int, Query(ge=1, le=1000)] = 2
) -> Response:
    found = SearchRuleService(engine.context).suggest_synonyms(min_support)
    return json_response({"suggestions": [s.__dict__ for s in found]})


@router.delete("/synonyms/{rule_id}")
async def remove_synonym(engine: Engine, rule_id: int) -> Response:
    SearchRuleService(engine.context).remove(rule_id, ("synonym",))
    return json_response({"removed": rule_id})


@router.get("/query-rules")
async def list_query_rules(engine: Engine) -> Response:
    return json_response({"rules": [e.as_dict() for e in SearchRuleService(engine.context).query_rules()]})


@router.post("/query-rules", status_code=201)
async def add_query_rule(engine: Engine, body: QueryRuleCreate) -> Response:
    entry = SearchRuleService(engine.context).add_query_rule(
        body.query, body.action, item_id=body.item_id, position=body.position, url=body.url
    )
    return json_response(entry.as_dict(), 201)


@router.delete("/query-rules/{rule_id}")
async def remove_query_rule(engine: Engine, rule_id: int) -> Response:
    SearchRuleService(engine.context).remove(rule_id, QUERY_RULE_KINDS)
    return json_response({"removed": rule_id})
