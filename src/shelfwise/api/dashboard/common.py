"""What every dashboard page and action shares: the sign-in gate, and POST actions that check the
admin scope and the CSRF token, call one service function, then redirect (post/redirect/get)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from shelfwise.api.dashboard.auth import csrf_ok, form_fields, viewer
from shelfwise.api.dashboard.render import render
from shelfwise.errors import ConflictError, ModelError, NotFoundError, ShelfwiseError

# What an action did, said in a fixed sentence: the redirect carries only the code and the subject.
DONE = {
    "detached": "Account {} detached: it is a customer of its own until re-linked.",
    "reattached": "Account {} re-linked: it joins the customer its keys point to.",
    "activated": "Model {} is served now (pinned).",
    "rolled-back": "Rolled back: model {} is served now (pinned).",
    "latest": "Following the newest model again: {} is served.",
    "created": "Experiment {} started: every server routes its placement within seconds.",
    "stopped": "Experiment {} stopped: everyone gets the control again.",
    "shipped": "Experiment {} shipped: its winning variant is served to everyone.",
}


def done_message(request: Request) -> str | None:
    template = DONE.get(request.query_params.get("done", ""))
    return template.format(request.query_params.get("subject", "")) if template else None


def sign_in_page(request: Request, message: str = "", status: int = 401) -> HTMLResponse:
    return render(request, "login.html", "", "Sign in", status=status, error=message or None)


def gate(request: Request) -> Response | None:
    """None when the viewer may read; else the way to sign in (or why a signed-in key cannot)."""
    current = viewer(request)
    if current.can_read:
        return None
    if current.signed_in:
        return refused(request, 403, "This API key cannot read: sign in with a read or admin key.")
    return RedirectResponse("/dashboard/login", 303)


def refused(request: Request, status: int, why: str) -> HTMLResponse:
    return render(request, "refused.html", "", "Not allowed", status=status, error=why)


async def act(
    request: Request,
    run: Callable[[dict[str, str]], str],
    done: str,
    back: Callable[[str], str],
    in_thread: bool = False,
) -> Response:
    """Run an admin action from a dashboard form. ``run`` gets the form fields and returns the
    subject of the outcome; ``back(subject)`` is the page to show it on. ``in_thread``: model loads
    run in a worker thread (requests keep being answered meanwhile), as the API's do; store writes
    stay on the event loop's thread, like every other use of the server's store connection."""
    current = viewer(request)
    if not current.can_read:
        return sign_in_page(request)
    if not current.can_act:
        return refused(request, 403, "This action needs an API key with the admin scope.")
    fields = await form_fields(request)
    if not csrf_ok(request, fields):
        return refused(
            request, 403, "The form was not sent by this dashboard (missing CSRF token): reload it."
        )
    try:
        subject = await run_in_threadpool(run, fields) if in_thread else run(fields)
    except NotFoundError as exc:
        return refused(request, 404, str(exc))
    except (ConflictError, ModelError) as exc:
        return refused(request, 409, str(exc))
    except ShelfwiseError as exc:
        return refused(request, 400, str(exc))
    target = back(subject)
    separator = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{separator}{urlencode({'done': done, 'subject': subject})}", 303)
