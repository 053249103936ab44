"""The feedback log (``FeedbackStore``) and the attribution fields of events, on every backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shelfwise.domain import Event, Impression, Outcome
from shelfwise.storage import Store, open_store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def _imp(request_id: str, item_id: str, position: int, ts: float, **extra: object) -> Impression:
    fields: dict[str, object] = {"placement": "home", "user_id": "u1", "customer_id": "c1"} | extra
    return Impression(request_id, item_id, position, timestamp=ts, **fields)  # type: ignore[arg-type]


def _out(event_id: str, type_: str, ts: float, **extra: object) -> Outcome:
    fields: dict[str, object] = {"request_id": "r1", "item_id": "a", "position": 0, "placement": "home"}
    fields |= {"customer_id": "c1"} | extra
    return Outcome(event_id, type_, timestamp=ts, **fields)  # type: ignore[arg-type]


def test_events_keep_their_attribution_fields(store: Store) -> None:
    clicked = Event("u", "click", 5.0, item_id="a", request_id="r-9", position=3, placement="pdp")
    plain = Event("u", "view", 6.0, item_id="b")
    store.append_events([("k1", clicked), ("k2", plain)])
    assert [s.event for s in store.iter_events()] == [clicked, plain]
    assert [s.event for s in store.events_after(0)] == [clicked, plain]


def test_impressions_round_trip_every_field_once_per_request_item_and_origin(store: Store) -> None:
    served = _imp(
        "r1",
        "a",
        0,
        10.0,
        model_version="v0003",
        experiment="e",
        variant="control",
        propensity=0.25,
        source_rank=7,
    )
    batch = [served, _imp("r1", "b", 1, 10.0)]
    assert store.append_impressions(batch) == 2
    assert store.append_impressions(batch) == 0  # a re-sent batch adds nothing
    rendered = _imp("r1", "a", 0, 11.0, origin="client")  # the front end's own report is kept beside it
    assert store.append_impressions([rendered, rendered]) == 1
    assert store.impressions_of_request("r1") == [served, rendered, batch[1]]
    assert store.impressions_of_request("nope") == []
    assert list(store.iter_impressions()) == [served, batch[1], rendered]


def test_impressions_filter_by_half_open_time_range_and_placement(store: Store) -> None:
    store.append_impressions(
        [_imp("r3", "c", 0, 30.0), _imp("r1", "a", 0, 10.0), _imp("r2", "b", 0, 20.0, placement="pdp")]
    )
    assert [i.request_id for i in store.iter_impressions(since=10.0, until=30.0)] == ["r1", "r2"]
    assert [i.request_id for i in store.iter_impressions(since=10.5)] == ["r2", "r3"]
    assert [i.request_id for i in store.iter_impressions(placement="home")] == ["r1", "r3"]


def test_latest_impression_is_the_customers_newest_inside_the_window(store: Store) -> None:
    store.append_impressions(
        [
            _imp("r1", "a", 2, 100.0, user_id="web-1"),
            _imp("r2", "a", 0, 200.0, user_id="app-1"),  # another account of the same customer
            _imp("r3", "a", 0, 300.0, customer_id="c2"),  # another customer
            _imp("r4", "b", 0, 250.0),  # another item
        ]
    )
    newest = store.latest_impression("c1", "a", after=0.0)
    assert newest is not None and (newest.request_id, newest.user_id) == ("r2", "app-1")
    assert store.latest_impression("c1", "a", after=200.0).request_id == "r2"  # the bound is inclusive
    assert store.latest_impression("c1", "a", after=200.5) is None
    assert store.latest_impression("c9", "a", after=0.0) is None


def test_outcomes_are_credited_once_per_event_and_type(store: Store) -> None:
    click = _out("e1", "click", 12.0)
    purchase = _out("e2", "purchase", 15.0, revenue=19.5, model_version="v0004", experiment="x", variant="t")
    assert store.record_outcomes([click, purchase]) == 2
    assert store.record_outcomes([click, _out("e1", "click", 99.0)]) == 0  # re-posted: nothing changes
    assert store.record_outcomes([_out("e1", "add_to_cart", 13.0)]) == 1
    assert list(store.iter_outcomes()) == [click, _out("e1", "add_to_cart", 13.0), purchase]
    assert [o.event_id for o in store.iter_outcomes(since=13.0, until=15.0)] == ["e1"]


def test_forgetting_removes_the_feedback_of_customers_and_accounts_only(store: Store) -> None:
    store.append_impressions(
        [
            _imp("r1", "a", 0, 1.0),
            _imp("r2", "a", 0, 2.0, user_id="anon-7", customer_id=None),
            _imp("r3", "a", 0, 3.0, user_id="u2", customer_id="c2"),
        ]
    )
    store.record_outcomes(
        [
            _out("e1", "click", 1.5),
            _out("e2", "click", 2.5, request_id="r2", customer_id=None),  # an anonymous account's list
            _out("e3", "click", 3.5, request_id="r3", customer_id="c2"),
        ]
    )
    assert store.delete_feedback_of(["c1"], ["anon-7"]) == 4
    assert [i.request_id for i in store.iter_impressions()] == ["r3"]
    assert [o.event_id for o in store.iter_outcomes()] == ["e3"]
    assert store.delete_feedback_of([], []) == 0


def test_feedback_writes_roll_back_with_the_transaction(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.append_impressions([_imp("r1", "a", 0, 1.0)])
        store.record_outcomes([_out("e1", "click", 2.0)])
        raise RuntimeError("boom")
    assert list(store.iter_impressions()) == [] and list(store.iter_outcomes()) == []
