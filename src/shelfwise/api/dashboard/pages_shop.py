"""Dashboard pages about the shop as a whole: overview, search, data quality. Each number comes
from the service function behind the matching ``/v1/admin/...`` route."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from shelfwise.api.dashboard.common import gate
from shelfwise.api.dashboard.render import bar_chart, line_chart, render
from shelfwise.api.deps import Engine
from shelfwise.errors import ModelError
from shelfwise.service.data_quality import data_quality
from shelfwise.service.overview import ACTIVE_DAYS
from shelfwise.service.search_insights import MIN_SEARCHES_FOR_CTR, search_insights
from shelfwise.service.search_rules import SearchRuleService

router = APIRouter(prefix="/dashboard", include_in_schema=False)


@router.get("")
async def overview_page(request: Request) -> Response:
    if (denied := gate(request)) is not None:
        return denied
    overview = request.app.state.overview.overview()
    return render(
        request,
        "overview.html",
        "overview",
        "Overview",
        o=overview,
        active_days=ACTIVE_DAYS,
        by_channel=line_chart(
            "events-by-channel",
            "Events per day by channel",
            overview.days,
            overview.events_by_channel,
            "events",
        ),
        by_type=line_chart(
            "events-by-type", "Events per day by type", overview.days, overview.events_by_type, "events"
        ),
    )


@router.get("/quality")
async def quality_page(request: Request, engine: Engine) -> Response:
    if (denied := gate(request)) is not None:
        return denied
    quality = data_quality(engine.context)
    by_reason: dict[str, float] = {}
    for group in quality.rejections:
        by_reason[f"{Path(group.source).name}: {group.reason}"] = group.rows  # the file, not its folder
    return render(
        request,
        "quality.html",
        "quality",
        "Data quality",
        q=quality,
        rejections=bar_chart("rejections", "Rejected rows by reason", by_reason, "rows"),
        max_accounts=engine.context.settings.identity.max_accounts_per_key,
    )


@router.get("/search")
async def search_page(
    request: Request, engine: Engine, q: Annotated[str, Query(max_length=500)] = ""
) -> Response:
    if (denied := gate(request)) is not None:
        return denied
    insights = search_insights(engine.context.store)
    rules = SearchRuleService(engine.context)
    query = q.strip()
    result, explanation, result_error = None, None, None
    if query:
        try:
            result = engine.search(query, None, 10)
            explanation = engine.explain_search(query)
        except ModelError as exc:
            result_error = f"Search is unavailable: {exc}"
    top = {entry.query: entry.searches for entry in insights.top}
    return render(
        request,
        "search.html",
        "search",
        "Search",
        s=insights,
        q=query,
        result=result,
        explanation=explanation,
        result_error=result_error,
        catalog=engine.catalog,
        synonyms=rules.synonyms(),
        rules=rules.query_rules(),
        min_searches=MIN_SEARCHES_FOR_CTR,
        top_chart=bar_chart("top-queries", "Top queries", top, "searches"),
    )
