"""Property-based fuzzing of the served OpenAPI (schemathesis + hypothesis), with a fixed budget.

For every operation of the schema, generated requests (valid and invalid) must never get a 5xx; a
400/422 must name the offending field in ``errors``; and a rejected request stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode

from shelfwise.api import create_app
from shelfwise.settings import Settings

EXAMPLES_PER_OPERATION = 20


@pytest.fixture(scope="module")
def fuzzed_app(shop: Callable[[], Settings]) -> Iterator[FastAPI]:
    base = shop()
    serve = {"auth": False, "reload_poll_seconds": 0, "rate_limit_address_per_minute": 0}
    app = create_app(base.model_copy(update={"serve": base.serve.model_copy(update=serve)}))
    with TestClient(app):  # runs the lifespan: the serving engine is started for every case
        yield app


class _Started:
    """The app whose lifespan already ran: schemathesis opens a client (and a lifespan) per case."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            for phase in ("startup", "shutdown"):
                await receive()
                await send({"type": f"lifespan.{phase}.complete"})
            return
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def served_schema(fuzzed_app: FastAPI) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", _Started(fuzzed_app))


def _stored(app: FastAPI) -> dict[str, Any]:
    stats = app.state.engine.context.store.stats()
    return {name: stats[name] for name in ("items", "accounts", "events")}


def _check(case: Any, app: FastAPI) -> None:
    before = _stored(app)
    response = case.call()
    where = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    assert response.status_code < 500, where
    if response.status_code >= 400:
        body = response.json()
        assert body["detail"], where
        if response.status_code in (400, 422):
            assert body["errors"] and all(error["field"] for error in body["errors"]), where
        assert _stored(app) == before, f"a rejected request changed the store: {where}"


# schemathesis' pytest plugin does not run under pytest 9: its Python API feeds hypothesis here.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_5xx_every_4xx_names_its_field_and_rejected_requests_store_nothing(
    served_schema: Any, fuzzed_app: FastAPI, mode: GenerationMode
) -> None:
    operations = [result.ok() for result in served_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,  # a fixed seed: the same cases on every run
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: Any) -> None:
            _check(case, fuzzed_app)

        try:
            fuzz()
        except Unsatisfiable:  # nothing to make invalid (an operation without parameters or body)
            assert mode is GenerationMode.NEGATIVE, operation.label
