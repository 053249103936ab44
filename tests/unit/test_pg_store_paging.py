"""PostgreSQL reads large tables page by page; the pages must join into exactly the one-query order
(events by time then arrival, ties included; items by arrival), and the store stays usable while a
caller iterates."""

from __future__ import annotations

import pytest

from shelfwise.domain import Event, Impression, Item, Outcome
from shelfwise.storage import open_store, pg_feedback
from shelfwise.storage import postgres as pg_module


def test_pages_join_into_the_full_order(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_module, "PAGE", 2)
    store = open_store(pg_url)
    try:
        times = [5.0, 1.0, 5.0, 3.0, 5.0, 1.0, 2.0]  # ties on 5.0 and 1.0 straddle page ends
        store.append_events([(f"k{n}", Event("u", "view", t, item_id=f"i{n}")) for n, t in enumerate(times)])
        expected = [f"i{n}" for n, _ in sorted(enumerate(times), key=lambda pair: (pair[1], pair[0]))]
        read = []
        for stored in store.iter_events():
            read.append(stored.event.item_id)
            store.get_item("anything")  # another query between pages
        assert read == expected
        assert [e.event.item_id for e in store.iter_events(types=["view"], user_ids=["u"])] == expected

        store.upsert_items([Item(f"item-{n}", f"Item {n}") for n in (3, 1, 4, 5, 9)])
        assert [i.item_id for i in store.iter_items()] == ["item-3", "item-1", "item-4", "item-5", "item-9"]
    finally:
        store.close()


def test_feedback_pages_join_into_the_full_order(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_feedback, "PAGE", 2)
    store = open_store(pg_url)
    try:
        times = [5.0, 1.0, 5.0, 3.0, 5.0, 1.0, 2.0]
        expected = [f"i{n}" for n, _ in sorted(enumerate(times), key=lambda pair: (pair[1], pair[0]))]
        store.append_impressions([Impression("r", f"i{n}", n, "home", t) for n, t in enumerate(times)])
        store.record_outcomes(
            [Outcome(f"e{n}", "click", "r", f"i{n}", n, "home", t) for n, t in enumerate(times)]
        )
        assert [imp.item_id for imp in store.iter_impressions()] == expected
        assert [out.item_id for out in store.iter_outcomes()] == expected
        assert [imp.item_id for imp in store.iter_impressions(since=2.0)] == [
            i for i in expected if times[int(i[1:])] >= 2.0
        ]
    finally:
        store.close()
