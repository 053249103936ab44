"""One impression, one training example — from impression events and from the feedback log."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from shelfwise.ctr import examples_from_events
from shelfwise.domain import Event, Impression, Item, Outcome
from shelfwise.history import build_item_index
from shelfwise.service.context import ServiceContext
from shelfwise.settings import Settings
from shelfwise.training.ctr_job import read_click_log

HOUR = 3600.0


def test_impression_events_are_answered_by_later_outcomes_within_the_window() -> None:
    events = [
        Event("u1", "impression", 0.0, "a", query="red shoe"),
        Event("u1", "impression", 0.0, "b", query="red shoe"),
        Event("u1", "impression", 0.0, "c", query="red shoe"),
        Event("u1", "click", 10.0, "b", query="red shoe"),
        Event("u1", "click", 20.0, "c", query="blue shoe"),  # answers another search, not this one
        Event("u1", "purchase", 2 * HOUR, "a"),  # bought without a logged click: clicked too
        Event("u2", "impression", 5.0, "a"),
        Event("u2", "click", 30 * HOUR, "a"),  # after the 24 h window
    ]
    examples = examples_from_events(events, {"u1": "c-1"}, window_s=24 * HOUR)
    got = {(e.customer, e.item_id): e for e in examples}
    assert [e.position for e in examples[:3]] == [0, 1, 2]  # ingestion order within the batch
    assert got[("c-1", "b")].clicked and not got[("c-1", "b")].purchased
    assert not got[("c-1", "c")].clicked
    assert got[("c-1", "a")].clicked and got[("c-1", "a")].purchased
    assert got[("c-1", "a")].placement == "search" and got[("u2", "a")].placement == "home"
    assert not got[("u2", "a")].clicked


def test_a_list_logged_by_the_server_and_posted_as_events_is_counted_once(tmp_path: Path) -> None:
    ctx = ServiceContext(Settings(home=tmp_path))
    store = ctx.store
    store.upsert_items([Item("a", "Item a"), Item("b", "Item b")])
    store.append_impressions(
        [
            # Served with exploration: "a" kept its slot, "b" was drawn from the pool.
            Impression("r1", "a", 0, "home", 100.0, user_id="u1", customer_id="c-1", propensity=0.8),
            Impression("r1", "b", 1, "home", 100.0, user_id="u1", customer_id="c-1", propensity=0.01),
        ]
    )
    store.record_outcomes([Outcome("e1", "click", "r1", "b", 1, "home", 110.0, customer_id="c-1")])
    # The shop's front end also posted what it rendered (same request): no second example.
    store.append_events(
        [
            ("k1", Event("u1", "impression", 100.0, "a", request_id="r1", position=0, placement="home")),
            ("k2", Event("u1", "impression", 100.0, "b", request_id="r1", position=1, placement="home")),
        ]
    )
    items = list(store.iter_items())
    index = build_item_index(items, [])
    log = read_click_log(ctx.settings, store, items, index, np.eye(2, dtype=np.float32), None)
    assert [(e.item_id, e.position, e.clicked) for e in log.examples] == [("a", 0, False), ("b", 1, True)]
    assert [e.propensity for e in log.examples] == [0.8, 0.01]  # the server's, kept through the merge
    ctx.close()
