"""Feedback through the app in-process (TestClient, the tiny shop of conftest.py)."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi.testclient import TestClient

from shelfwise.api import create_app
from shelfwise.domain import Impression
from shelfwise.service.context import ServiceContext
from shelfwise.settings import Settings


def _settings(base: Settings) -> Settings:
    serve = base.serve.model_copy(update={"reload_poll_seconds": 0, "auth": False})
    return base.model_copy(update={"serve": serve})


def test_a_click_on_a_list_another_worker_still_buffers_is_credited_once_written(
    shop: Callable[[], Settings],
) -> None:
    with TestClient(create_app(_settings(shop()))) as client:
        engine = client.app.state.engine  # type: ignore[attr-defined]
        now = time.time()
        click = {"event_id": "c-1", "user_id": "web-bob", "item_id": "tea", "type": "click", "timestamp": now,
                 "request_id": "r-other", "position": 1}  # fmt: skip
        assert client.post("/v1/events", json=[click]).json()["stored"] == 1
        store = engine.context.store
        assert list(store.iter_outcomes()) == []  # no list r-other stored: nothing to credit yet
        other_worker = ServiceContext(engine.context.settings)  # writes its buffer a moment later
        other_worker.store.append_impressions(
            [Impression("r-other", item, pos, "home", now - 1, "web-bob", "c-bob", "v0001")
             for pos, item in enumerate(["socks", "tea"])]
        )  # fmt: skip
        other_worker.close()
        time.sleep(1.05)  # waiting clicks are tried again at most once a second
        engine.sync()  # what the follower does every sync_seconds
        assert [(o.request_id, o.item_id, o.position) for o in store.iter_outcomes()] == [
            ("r-other", "tea", 1)
        ]
        assert not engine._waiting  # credited: no longer waiting
