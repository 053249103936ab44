"""Reads that let the store do the filtering and counting (search start-up): same answers as
filtering and counting the full event stream in Python."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from shelfwise.domain import Event
from shelfwise.storage import open_store
from shelfwise.storage.base import Store

EVENTS = [
    Event("u1", "search", 1.0, query="red kettle"),
    Event("u1", "click", 2.0, item_id="kettle", query="red kettle"),
    Event("u1", "purchase", 3.0, item_id="kettle"),
    Event("u2", "view", 4.0, item_id="kettle"),
    Event("u2", "purchase", 5.0, item_id="tea", query=""),
    Event("u3", "view", 6.0, item_id="tea"),
    Event("u3", "purchase", 7.0, item_id="kettle"),
]


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = open_store(store_url)  # every backend: SQLite in memory and on disk, PostgreSQL
    opened.append_events([(f"k{n}", event) for n, event in enumerate(EVENTS)])
    yield opened  # type: ignore[misc]
    opened.close()


def test_only_events_with_a_query(store: Store) -> None:
    events = [s.event for s in store.iter_events(types=("click", "purchase", "search"), with_query=True)]
    assert [(e.type, e.query) for e in events] == [("search", "red kettle"), ("click", "red kettle")]


def test_event_counts_by_item_match_counting_the_stream(store: Store) -> None:
    types = ("purchase", "view")
    expected = Counter(s.event.item_id for s in store.iter_events(types=types) if s.event.item_id)
    assert store.event_counts_by_item(types) == dict(expected) == {"kettle": 3, "tea": 2}


def test_daily_event_counts_match_counting_the_stream(store: Store) -> None:
    store.append_events(
        [
            ("late", Event("u4", "view", 86_400 * 2 + 5.0, item_id="tea", channel="app")),
            ("late2", Event("u5", "view", 86_400 * 2 + 9.0, item_id="tea", channel="app")),
        ]
    )
    counts = {(c.day, c.channel, c.type): c.events for c in store.daily_event_counts()}
    expected = Counter(
        (int(s.event.timestamp // 86_400), s.event.channel or "unknown", s.event.type)
        for s in store.iter_events()
    )
    assert counts == dict(expected)
    assert counts[(2, "app", "view")] == 2 and counts[(0, "unknown", "purchase")] == 3
    assert [c.day for c in store.daily_event_counts()] == [0] * 4 + [2]


def test_rejection_counts_group_by_source_and_reason(store: Store) -> None:
    from shelfwise.storage import Rejection

    store.record_rejections(
        [
            Rejection("events.csv", 3, "timestamp: missing required field"),
            Rejection("events.csv", 9, "timestamp: missing required field"),
            Rejection("events.csv", 4, "type: unknown event type"),
            Rejection("items.csv", 2, "timestamp: missing required field"),
        ]
    )
    assert store.rejection_counts() == [
        ("events.csv", "timestamp: missing required field", 2),
        ("events.csv", "type: unknown event type", 1),
        ("items.csv", "timestamp: missing required field", 1),
    ]


def test_event_counts_by_item_leave_out_negative_ratings(store_url: str) -> None:
    opened = open_store(store_url)
    try:
        opened.append_events(
            [
                ("r1", Event("u1", "rate", 1.0, item_id="kettle", value=1)),
                ("r2", Event("u2", "rate", 2.0, item_id="kettle", value=2)),
                ("r3", Event("u3", "rate", 3.0, item_id="kettle", value=5)),
                ("r4", Event("u1", "review", 4.0, item_id="tea", value=1, text="leaks")),
                ("r5", Event("u2", "view", 5.0, item_id="tea")),
            ]
        )
        assert opened.event_counts_by_item(("rate", "review", "view")) == {"kettle": 1, "tea": 1}
    finally:
        opened.close()
