"""``GET /v1/customers/{id}`` (the unified profile) and ``DELETE /v1/customers/{id}`` (forget)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from shelfwise.api.deps import Engine, json_response, require
from shelfwise.api.schemas import CustomerPublic, ForgetPublic
from shelfwise.service.forget_refit import refit_served

router = APIRouter(prefix="/v1/customers", tags=["customers"])


@router.get("/{customer_id}", response_model=CustomerPublic, dependencies=[require("read")])
async def get_customer(customer_id: str, engine: Engine) -> Response:
    """A customer id or any of its accounts' user ids: accounts, channels, recent activity, purchases,
    and the items they said no to."""
    profile = engine.profile(customer_id)
    return json_response(
        {
            "customer_id": profile.customer_id,
            "accounts": [{"user_id": u, "channel": c} for u, c in engine.accounts(profile.customer_id)],
            "events_by_channel": dict(profile.channels),
            "events": profile.events,
            "recent": [
                {"item_id": e.item_id, "type": e.type, "channel": e.channel, "timestamp": e.timestamp}
                for e in reversed(profile.recent[-50:])
            ],
            "purchased": sorted(profile.purchased),
            "disliked": sorted(profile.disliked),
        }
    )


@router.delete("/{customer_id}", response_model=ForgetPublic, dependencies=[require("admin")])
async def forget_customer(customer_id: str, engine: Engine, request: Request) -> Response:
    """Forget a customer: their accounts, events and profile are deleted; nothing about them is served again."""
    report = engine.forget(customer_id)
    if request.app.state.settings.serve.refit_on_forget:
        # Recount the served model's statistics without them before answering (see forget_refit).
        await run_in_threadpool(refit_served, engine)
    return json_response(
        {
            "customer_id": report.customer_id,
            "user_ids": report.user_ids,
            "events_deleted": report.events_deleted,
            "accounts_deleted": report.accounts_deleted,
            "model_version": engine.version,
        }
    )
