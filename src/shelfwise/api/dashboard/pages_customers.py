"""Customer 360: find a customer by any account id; their accounts and the keys that linked them
(detach, re-link), the live profile, a cross-channel timeline, and each placement's list now."""

from __future__ import annotations

import heapq
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from shelfwise.api.dashboard.common import act, done_message, gate
from shelfwise.api.dashboard.render import bar_chart, render
from shelfwise.api.deps import Engine
from shelfwise.errors import ModelError, NotFoundError
from shelfwise.profiles import CustomerProfile
from shelfwise.service.customers import CustomerService
from shelfwise.service.pipeline import RankedList
from shelfwise.service.serving import ServingEngine
from shelfwise.settings.rules import PLACEMENTS

router = APIRouter(prefix="/dashboard/customers", include_in_schema=False)
TIMELINE = 40
SHOWN = 5  # items per placement


def _placements(engine: ServingEngine, customer_id: str) -> list[tuple[str, RankedList]]:
    """The list each placement (search aside: it needs a query) would show this customer now."""
    return [
        (placement, engine.recommend(customer_id, SHOWN, placement=placement))
        for placement in PLACEMENTS
        if placement != "search"
    ]


def _page_url(user_or_customer: str) -> str:
    return f"/dashboard/customers?id={quote(user_or_customer, safe='')}"


@router.get("")
async def customer_page(
    request: Request, engine: Engine, id: Annotated[str, Query(max_length=300)] = ""
) -> Response:
    if (denied := gate(request)) is not None:
        return denied
    query = id.strip()
    common = {"query": query, "catalog": engine.catalog, "message": done_message(request)}
    if not query:
        top = heapq.nsmallest(
            12, engine.profiles.customers(), key=lambda p: (-len(p.channels), -p.events, p.customer_id)
        )
        return render(request, "customers.html", "customers", "Customer 360", view=None, top=top, **common)
    try:
        view = CustomerService(engine.context).show(query)
    except NotFoundError as exc:
        return render(
            request,
            "customers.html",
            "customers",
            "Customer 360",
            404,
            view=None,
            top=[],
            error=str(exc),
            **common,
        )
    customer_id = view.explanation.customer_id
    profile: CustomerProfile | None = engine.profiles.get(customer_id)
    placements, placements_error = [], None
    try:
        placements = _placements(engine, customer_id)
    except ModelError as exc:
        placements_error = f"No lists: {exc}"
    channels = dict(profile.channels) if profile else {}
    return render(
        request,
        "customers.html",
        "customers",
        "Customer 360",
        view=view,
        profile=profile,
        placements=placements,
        placements_error=placements_error,
        timeline=list(reversed(profile.recent[-TIMELINE:])) if profile else [],
        channel_chart=bar_chart("customer-channels", "Events by channel", channels, "events")
        if channels
        else None,
        **common,
    )


def _account_action(engine: ServingEngine, detach: bool):  # type: ignore[no-untyped-def]
    """The form's account detached or re-linked; the account is the subject (its page comes next)."""

    def run(fields: dict[str, str]) -> str:
        user_id = fields.get("user_id", "")
        if detach:
            engine.detach(user_id)
        else:
            engine.reattach(user_id)
        return user_id

    return run


@router.post("/detach")
async def detach(request: Request, engine: Engine) -> Response:
    return await act(request, _account_action(engine, detach=True), "detached", _page_url)


@router.post("/reattach")
async def reattach(request: Request, engine: Engine) -> Response:
    return await act(request, _account_action(engine, detach=False), "reattached", _page_url)
