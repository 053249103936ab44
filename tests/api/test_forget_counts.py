"""Forget means forgotten: after DELETE /v1/customers/{id} the served model's counts no longer hold
the customer's purchases (not only after the next training).

Eve is the only buyer of the rare lamp, right after a phone: before she is forgotten, the served
model has a phone → lamp transition, a popularity for the lamp and a buyer of it in the complement
model; after, none of them, and the lamp is not recommended after a phone.
"""

from __future__ import annotations

from collections.abc import Callable

from api_shop import T0, train_version
from fastapi.testclient import TestClient

from shelfwise.api import create_app
from shelfwise.retrieval.transitions import TransitionModel, csr_value
from shelfwise.service.context import ServiceContext
from shelfwise.service.serving import ServingEngine
from shelfwise.settings import Settings


def _counts(engine: ServingEngine) -> tuple[float, float, float]:
    """(phone → lamp transition, lamp popularity, lamp buyers in the complement model)."""
    served = engine.active().lists.served
    model = served.recommender
    assert isinstance(model, TransitionModel)
    phone, lamp = served.index.get("phone"), served.index.get("lamp")
    complements = served.complements
    return (
        csr_value(model.transitions, phone, lamp),  # type: ignore[arg-type]
        float(model.popularity[lamp]),  # type: ignore[index]
        float(complements.buyers[lamp]),
    )


def test_forget_recounts_the_served_model_without_the_customer(shop: Callable[[], Settings]) -> None:
    base = shop()
    settings = base.model_copy(
        update={"serve": base.serve.model_copy(update={"auth": False, "reload_poll_seconds": 0})}
    )
    with TestClient(create_app(settings)) as client:
        client.post("/v1/items", json=[{"item_id": "lamp", "title": "Brass Desk Lamp", "category": "Home"}])
        eve = [
            {"user_id": "web-eve", "item_id": item, "type": "purchase", "timestamp": T0 + 70_000 + n * 60}
            for n, item in enumerate(("phone", "lamp"))
        ]
        assert client.post("/v1/events", json=eve).json()["stored"] == 2
        ctx = ServiceContext(settings)
        train_version(ctx)  # v0002 learns from Eve
        ctx.close()
        engine: ServingEngine = client.app.state.engine  # type: ignore[attr-defined]
        assert engine.reload() == "v0002"
        transition, popularity, buyers = _counts(engine)
        assert transition > 0 and popularity > 0 and buyers == 1

        forgotten = client.delete("/v1/customers/web-eve").json()
        assert forgotten["events_deleted"] == 2 and forgotten["model_version"] == "v0003"
        assert _counts(engine) == (0.0, 0.0, 0.0)
        client.post(
            "/v1/events",
            json=[{"user_id": "web-sam", "item_id": "phone", "type": "view", "timestamp": T0 + 80_000}],
        )
        shown = {e["item_id"]: e for e in client.get("/v1/recommendations/web-sam?k=5").json()["items"]}
        assert next(iter(shown)) == "case"
        if "lamp" in shown:  # diversity may still pick it, but with nothing learned from Eve
            assert shown["lamp"]["score"] == 0.0
            assert not any("Nimbus" in reason for reason in shown["lamp"]["reasons"])
