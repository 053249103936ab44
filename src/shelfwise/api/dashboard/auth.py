"""Who may see the dashboard and who may act on it.

* Signing in stores the API key in an HttpOnly, SameSite=Strict cookie (the try-it page's cookie:
  one sign-in serves both). A ``read`` key sees every page; the actions (detach, re-link, activate,
  roll back, stop or ship an experiment) need ``admin``.
* ``shelfwise serve --no-auth`` (the demo, refused on anything but a loopback host) acts as admin.
* Every action is a POST form carrying a CSRF token that must equal the value of a second
  SameSite=Strict cookie (double submit): another site can neither read that cookie nor get the
  browser to send it, so it cannot forge an action even when auth is off.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import Response

from shelfwise.api.deps import KEY_COOKIE, scopes_of
from shelfwise.service.keys import grants

CSRF_COOKIE = "shelfwise_csrf"
CSRF_FIELD = "csrf"


@dataclass(frozen=True)
class Viewer:
    """The person behind a dashboard request."""

    can_read: bool
    can_act: bool  # admin: may detach, activate, roll back, stop experiments
    signed_in: bool  # holds a key (False when auth is off)
    csrf: str  # the token this viewer's forms carry


def viewer(request: Request) -> Viewer:
    csrf = request.cookies.get(CSRF_COOKIE) or ""
    if not request.app.state.auth:
        return Viewer(True, True, False, csrf)
    scopes = scopes_of(request, allow_cookie=True)
    if scopes is None:
        return Viewer(False, False, False, csrf)
    return Viewer(grants(scopes, "read"), grants(scopes, "admin"), True, csrf)


def ensure_csrf_cookie(request: Request, response: Response, current: Viewer) -> None:
    """Give a browser its CSRF cookie on the first page it loads (the forms already carry it)."""
    if not request.cookies.get(CSRF_COOKIE):
        response.set_cookie(CSRF_COOKIE, current.csrf, httponly=True, samesite="strict", path="/dashboard")


def new_viewer_token(current: Viewer) -> Viewer:
    """The viewer with a fresh token when its browser has none yet."""
    if current.csrf:
        return current
    return Viewer(current.can_read, current.can_act, current.signed_in, secrets.token_urlsafe(24))


async def form_fields(request: Request) -> dict[str, str]:
    """A urlencoded form body as single values (the dashboard's forms repeat no field)."""
    body = (await request.body()).decode("utf-8", "replace")
    return {name: values[0] for name, values in parse_qs(body, keep_blank_values=True).items()}


def csrf_ok(request: Request, fields: dict[str, str]) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    return bool(cookie) and secrets.compare_digest(cookie, fields.get(CSRF_FIELD, ""))


def sign_in(response: Response, key: str) -> None:
    response.set_cookie(KEY_COOKIE, key, httponly=True, samesite="strict")


def sign_out(response: Response) -> None:
    response.delete_cookie(KEY_COOKIE, httponly=True, samesite="strict")
