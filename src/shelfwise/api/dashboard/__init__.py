"""The merchant's dashboard at ``/dashboard``: server-rendered pages over the same service functions
as the API and the CLI (no logic in the pages), plots drawn by the vendored Chart.js."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from shelfwise.api.dashboard import pages_customers, pages_models, pages_online, pages_shop
from shelfwise.api.dashboard.auth import csrf_ok, form_fields, sign_in, sign_out
from shelfwise.api.dashboard.common import refused, sign_in_page
from shelfwise.api.dashboard.render import STATIC_DIR
from shelfwise.service.keys import grants

login_router = APIRouter(prefix="/dashboard", include_in_schema=False)


@login_router.get("/login")
async def login_page(request: Request) -> Response:
    return sign_in_page(request, status=200)


@login_router.post("/login")
async def login(request: Request) -> Response:
    key = (await form_fields(request)).get("key", "").strip()
    scopes = request.app.state.keys.verify(key) if key else None
    if scopes is None or not grants(scopes, "read"):
        return sign_in_page(request, "That key is not valid, or it cannot read.")
    response = RedirectResponse("/dashboard", status_code=303)
    sign_in(response, key)
    return response


@login_router.post("/logout")
async def logout(request: Request) -> Response:
    if not csrf_ok(request, await form_fields(request)):
        return refused(
            request, 403, "The form was not sent by this dashboard (missing CSRF token): reload it."
        )
    response = RedirectResponse("/dashboard/login", status_code=303)
    sign_out(response)
    return response


def install(app: FastAPI) -> None:
    """Add the dashboard's pages and its static files (CSS, the chart script, vendored Chart.js)."""
    for router in (
        login_router,
        pages_shop.router,
        pages_customers.router,
        pages_models.router,
        pages_online.router,
    ):
        app.include_router(router)
    app.mount("/dashboard/static", StaticFiles(directory=STATIC_DIR), name="dashboard-static")
