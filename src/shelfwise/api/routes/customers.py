"""``GET /v1/customers/{id}`` (the unified profile), ``GET /v1/customers/{id}/explain`` (which keys
linked its accounts), ``DELETE /v1/customers/{id}`` (forget), and
``POST /v1/admin/accounts/{user_id}/detach`` / ``reattach``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from shelfwise.api.deps import Engine, json_response, require
from shelfwise.api.schemas import CustomerPublic, ForgetPublic
from shelfwise.service.customers import CustomerService
from shelfwise.service.forget_refit import refit_served

router = APIRouter(prefix="/v1/customers", tags=["customers"])
accounts_router = APIRouter(prefix="/v1/admin/accounts", tags=["customers"], dependencies=[require("admin")])


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


@router.get("/{customer_id}/explain", dependencies=[require("read")])
async def explain_customer(customer_id: str, engine: Engine) -> Response:
    """The customer's accounts (oldest first), the strong key that linked each merge, keys too
    common to link, and accounts held apart by hand."""
    view = CustomerService(engine.context).show(customer_id)
    ex = view.explanation
    return json_response(
        {
            "customer_id": ex.customer_id,
            "accounts": [{"user_id": u, "channel": view.channels.get(u)} for u in ex.user_ids],
            "links": [{"user_a": k.user_a, "user_b": k.user_b, "key": k.key_short} for k in ex.links],
            "suppressed_keys": [
                {"key": f"{k.kind}:{k.hash_prefix}", "accounts": k.n_accounts} for k in ex.suppressed_keys
            ],
            "detached": list(ex.detached),
        }
    )


@accounts_router.post("/{user_id}/detach")
async def detach_account(user_id: str, engine: Engine) -> Response:
    """Split an account out of its customer; later ingests keep it apart until reattached."""
    return json_response({"user_id": user_id, "customer_id": engine.detach(user_id)})


@accounts_router.post("/{user_id}/reattach")
async def reattach_account(user_id: str, engine: Engine) -> Response:
    """Lift a detach: the account links by its keys again."""
    return json_response({"user_id": user_id, "customer_id": engine.reattach(user_id)})
