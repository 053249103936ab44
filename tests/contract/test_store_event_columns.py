"""``event_columns``: the same events as ``iter_events``, field for field and in the same order, on
every backend (SQLite in memory and on disk, PostgreSQL), read in several chunks."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest

from shelfwise.domain import Event
from shelfwise.storage import base as storage_base
from shelfwise.storage import open_store
from shelfwise.storage.base import Store

EVENTS = [
    Event("u1", "search", 5.0, query="red kettle", session_id="s1", channel="web"),
    Event("u1", "click", 5.0, item_id="kettle", query="red kettle", session_id="s1", channel="web"),
    Event("u2", "rate", 3.0, item_id="tea", value=2.0, text="too bitter", event_id="e-7"),
    Event("u1", "purchase", 6.0, item_id="kettle", price=19.5, store_id="st1", channel="store"),
    Event("u3", "view", 1.0, item_id="tea", request_id="r1", position=0, placement="home"),
    Event("u2", "return", 9.0, item_id="tea"),
    Event("u3", "dismiss", 9.0, item_id="mug", channel="app"),
    Event("u4", "purchase", 2.5, item_id="mug", value=0.0),
]


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = open_store(store_url)
    opened.append_events([(f"k{n}", event) for n, event in enumerate(EVENTS)])
    yield opened  # type: ignore[misc]
    opened.close()


def test_columns_hold_what_iter_events_yields(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage_base, "COLUMN_CHUNK", 3)  # three chunks (pages on PostgreSQL)
    for module in ("sqlite", "postgres"):
        monkeypatch.setattr(f"shelfwise.storage.{module}.COLUMN_CHUNK", 3, raising=False)
    columns = store.event_columns()
    stored = list(store.iter_events())
    assert len(columns) == len(stored) == len(EVENTS)
    assert columns.seq.tolist() == [s.seq for s in stored]
    assert list(columns.events()) == [s.event for s in stored]
    # Known answers: time order, ties by ingestion order; None is code -1 and NaN.
    assert columns.timestamp.tolist() == [1.0, 2.5, 3.0, 5.0, 5.0, 6.0, 9.0, 9.0]
    assert [columns.type.values[c] for c in columns.type.codes] == [
        "view", "purchase", "rate", "search", "click", "purchase", "return", "dismiss",
    ]  # fmt: skip
    assert columns.item_id.codes[3] == -1 and math.isnan(columns.value[0]) and columns.value[1] == 0.0
    assert columns.user_id.mask_of(["u1"]).tolist() == [False, False, False, True, True, True, False, False]


def test_columns_without_users_and_take(store: Store) -> None:
    columns = store.event_columns()
    kept = columns.without_users({"u1", "nobody"})
    assert list(kept.events()) == [s.event for s in store.iter_events() if s.event.user_id != "u1"]
    assert columns.without_users({"nobody"}) is columns
    rows = np.array([1, 4])
    assert list(columns.take(rows).events()) == list(columns.events([1, 4]))


def test_columns_of_an_empty_store(store_url: str) -> None:
    opened = open_store(store_url)
    try:
        columns = opened.event_columns()
        assert len(columns) == 0 and list(columns.events()) == []
        assert columns.type.mask_of(["view"]).tolist() == []
    finally:
        opened.close()
