"""The try-it page at ``/``: pick a customer, see their cross-channel profile and recommendations
with reasons, search, and open an item with its similar and complementary items."""

from __future__ import annotations

import heapq
from html import escape
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shelfwise.api import html
from shelfwise.api.deps import KEY_COOKIE, Engine, scopes_of
from shelfwise.errors import ModelError, NotFoundError
from shelfwise.service.keys import grants

router = APIRouter(include_in_schema=False)


def _allowed(request: Request) -> bool:
    if not request.app.state.auth:
        return True
    scopes = scopes_of(request, allow_cookie=True)
    return scopes is not None and grants(scopes, "read")


def _login(message: str = "") -> HTMLResponse:
    return HTMLResponse(html.page("Sign in", html.login_form(message)), status_code=401)


def _fallible(call, empty: str) -> str:  # type: ignore[no-untyped-def]
    """A panel whose service may be missing (no model yet, no search module): say so, keep the page."""
    try:
        return call()
    except (ModelError, NotFoundError) as exc:
        return f'<p class="muted">{escape(empty)} ({escape(str(exc))})</p>'


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, engine: Engine) -> Response:
    if not _allowed(request):
        return _login()
    profiles = heapq.nsmallest(
        15, engine.profiles.customers(), key=lambda p: (-len(p.channels), -p.events, p.customer_id)
    )
    rows = "".join(
        f"<tr><td>{html.customer_link(p.customer_id)}</td><td>{p.events}</td>"
        f"<td>{' '.join(f'<span class=tag>{escape(c)}</span>' for c in sorted(p.channels))}</td>"
        f"<td class=muted>{escape(', '.join(p.user_ids[:3]))}</td></tr>"
        for p in profiles
    )
    picker = """<form action="/ui/customers" method="get"><input type="text" name="id"
 placeholder="customer id or any account's user id"> <button>Open</button></form>"""
    body = (
        f"<h1>Try Shelfwise</h1>"
        f"<p class=muted>Model {escape(engine.version or 'not trained yet')} · {len(engine.catalog)} items · "
        f"{len(engine.profiles)} customers</p>"
        + html.section("Pick a customer", picker)
        + html.section(
            "Customers seen in the most channels",
            f"<table><tr><th>customer</th><th>events</th><th>channels</th><th>accounts</th></tr>{rows}</table>",
        )
    )
    return HTMLResponse(html.page("Try it", body))


@router.get("/ui/customers", response_class=HTMLResponse)
async def open_customer(id: Annotated[str, Query()] = "") -> Response:
    return RedirectResponse(f"/ui/customers/{id.strip()}" if id.strip() else "/", status_code=303)


@router.get("/ui/customers/{customer_id}", response_class=HTMLResponse)
async def customer_page(request: Request, customer_id: str, engine: Engine) -> Response:
    if not _allowed(request):
        return _login()
    try:
        profile = engine.profile(customer_id)
    except NotFoundError:
        return HTMLResponse(
            html.page("Not found", f"<h1>No customer {escape(customer_id)}</h1>"), status_code=404
        )
    catalog = engine.catalog
    accounts = "".join(
        f"<li>{escape(user)} <span class=tag>{escape(channel or 'unknown')}</span></li>"
        for user, channel in engine.accounts(profile.customer_id)
    )
    channels = " ".join(
        f"<span class=tag>{escape(c)}: {n}</span>" for c, n in sorted(profile.channels.items())
    )
    recent = "".join(
        f"<li>{escape(e.type)} {html.item_link(e.item_id or '', catalog)} "
        f"<span class=tag>{escape(e.channel or 'unknown')}</span></li>"
        for e in reversed(profile.recent[-12:])
    )
    recs = _fallible(
        lambda: html.scored_list(
            engine.recommend(profile.customer_id, 10).items, catalog, "Nothing to recommend."
        ),
        "No recommendations",
    )
    body = (
        f"<h1>Customer {escape(profile.customer_id)}</h1><div class=grid><div>"
        + html.section("Accounts across channels", f"<ul>{accounts}</ul><p>{channels}</p>")
        + html.section(
            "Recent activity", f"<ol>{recent}</ol>" if recent else "<p class=muted>No activity yet.</p>"
        )
        + "</div><div>"
        + html.section("Recommended next", recs)
        + "</div></div>"
    )
    return HTMLResponse(html.page(profile.customer_id, body, user_id=profile.customer_id))


@router.get("/ui/items/{item_id}", response_class=HTMLResponse)
async def item_page(request: Request, item_id: str, engine: Engine) -> Response:
    if not _allowed(request):
        return _login()
    item = engine.catalog.get(item_id)
    if item is None:
        return HTMLResponse(html.page("Not found", f"<h1>No item {escape(item_id)}</h1>"), status_code=404)
    catalog = engine.catalog
    similar = _fallible(
        lambda: html.scored_list(engine.similar(item_id, 8).items, catalog, "None found."), "Unavailable"
    )
    complements = _fallible(
        lambda: html.scored_list(engine.complementary(item_id, 8).items, catalog, "None found."),
        "Unavailable",
    )
    details = f"<p>{escape(item.description or '')}</p><p>{html.item_meta(item)}</p>"
    if item.brand:
        details += f"<p class=muted>Brand: {escape(item.brand)}</p>"
    body = (
        f"<h1>{escape(item.title)}</h1>"
        + html.section("Details", details)
        + "<div class=grid>"
        + html.section("Goes well with", complements)
        + html.section("Similar items", similar)
        + "</div>"
    )
    return HTMLResponse(html.page(item.title, body))


@router.get("/ui/search", response_class=HTMLResponse)
async def search_page(
    request: Request, engine: Engine, q: Annotated[str, Query()] = "", user_id: Annotated[str, Query()] = ""
) -> Response:
    if not _allowed(request):
        return _login()
    results = ""
    if q.strip():
        results = _fallible(
            lambda: html.scored_list(
                engine.search(q, user_id or None, 20).items, engine.catalog, "No matches."
            ),
            "Search unavailable",
        )
    who = f" for {html.customer_link(user_id)}" if user_id else ""
    body = f"<h1>Search “{escape(q)}”{who}</h1>" + html.section(
        "Results", results or "<p class=muted>Type a query above.</p>"
    )
    return HTMLResponse(html.page(f"Search {q}", body, query=q, user_id=user_id))


@router.post("/ui/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    key = (form.get("key") or [""])[0].strip()
    scopes = request.app.state.keys.verify(key) if key else None
    if scopes is None or not grants(scopes, "read"):
        return _login("That key is not valid for reading.")
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(KEY_COOKIE, key, httponly=True, samesite="strict")
    return response
