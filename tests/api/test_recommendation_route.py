"""``GET /v1/recommendations/{user_id}`` answers plain requests without FastAPI's parameter
machinery (``RecommendationRoute``): every answer, valid or not, with or without a key, must be the
one the framework's own handler gives (the request id aside)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from shelfwise.api import create_app
from shelfwise.api.routes import recommendations
from shelfwise.service.context import ServiceContext
from shelfwise.service.keys import KeyService
from shelfwise.settings import Settings

QUERIES = [
    "",
    "?k=3",
    "?k=2&exclude=tea,socks",
    "?exclude=case",
    "?placement=cart&k=4",
    "?placement=moon",  # unknown placement: 422 from the engine
    "?k=0",
    "?k=201",
    "?k=200",
    "?k=abc",
    "?k=03",
    "?k=+3",
    "?k=",
    "?k=3&k=4",
    "?other=1",
    "?placement=" + "x" * 65,
    "?placement=",
]


def _answers(client: TestClient, headers: dict[str, str]) -> list[tuple[int, object]]:
    out = []
    for user in ("web-bob", "nobody"):
        for query in QUERIES:
            response = client.get(f"/v1/recommendations/{user}{query}", headers=headers)
            body = response.json()
            if response.status_code == 200:
                assert len(body.pop("request_id")) == 32
            out.append((response.status_code, body))
    return out


def test_plain_requests_are_answered_as_the_framework_would(
    shop: Callable[[], Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = shop()
    settings = base.model_copy(
        update={"serve": base.serve.model_copy(update={"reload_poll_seconds": 0, "auth": True})}
    )
    keys = KeyService(ServiceContext(settings))
    headers = [{}, {"Authorization": "Bearer sw_kbad_nope"}] + [
        {"Authorization": f"Bearer {keys.create([scope]).key}"} for scope in ("read", "ingest", "admin")
    ]
    with TestClient(create_app(settings)) as client:
        lean = [_answers(client, h) for h in headers]
        hits = client.app.state.engine.served_lists.hits  # type: ignore[attr-defined]
        monkeypatch.setattr(recommendations, "_plain_query", lambda request: None)  # the framework's path
        standard = [_answers(client, h) for h in headers]
    assert hits > 0  # the second user's and the repeated keys' lists came from the served-list cache
    assert lean == standard
    invalid = {"?placement=moon", "?k=0", "?k=201", "?k=abc", "?k=", "?placement=" + "x" * 65}
    expected = [422 if query in invalid else 200 for query in QUERIES] * 2
    assert [status for status, _ in lean[2]] == expected == [status for status, _ in lean[4]]  # read, admin
    assert {status for status, _ in lean[0]} == {401} and {status for status, _ in lean[3]} == {403}
