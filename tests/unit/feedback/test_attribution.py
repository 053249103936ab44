"""Attribution with known answers: which list earns each click, cart and purchase (docs/feedback.md)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shelfwise.domain import Event, Impression, Item, customer_id_for
from shelfwise.feedback import Attributor
from shelfwise.ingest.pipeline import EventKeyer, Ingestor
from shelfwise.storage import AccountRecord, Store, open_store

DAY = 86_400.0


@pytest.fixture
def store() -> Iterator[Store]:
    s = open_store("memory://")
    yield s
    s.close()


def _post(store: Store, *events: Event, window_hours: float = 24.0) -> int:
    """Store events as the API and file ingest do (the attribution hook runs in their transaction)."""
    ingestor = Ingestor(
        store,
        hash_account=lambda a: AccountRecord(a.user_id, a.channel),
        customer_id_for=customer_id_for,
        on_events=Attributor(store, window_hours),
    )
    keyer = EventKeyer()
    return ingestor.write_events(list(events), [keyer.key(e) for e in events])


def _served(
    store: Store, request_id: str, items: list[str], ts: float, user: str = "web-1", **stamp: str
) -> None:
    store.append_impressions(
        [
            Impression(
                request_id,
                item,
                pos,
                "home",
                ts,
                user_id=user,
                customer_id="c1",
                model_version="v0003",
                **stamp,
            )
            for pos, item in enumerate(items)
        ]
    )


def test_a_click_with_a_request_id_is_credited_to_that_list_once(store: Store) -> None:
    _served(store, "r1", ["a", "b"], 100.0, experiment="e1", variant="treatment")
    _served(store, "r2", ["b"], 140.0)  # a newer list that also showed b: the request id decides
    click = Event("web-1", "click", 150.0, item_id="b", event_id="ev-1", request_id="r1")
    _post(store, click)
    _post(store, click)  # re-posted: nothing changes
    (outcome,) = store.iter_outcomes()
    assert (outcome.event_id, outcome.request_id, outcome.item_id, outcome.position) == ("ev-1", "r1", "b", 1)
    assert (outcome.model_version, outcome.experiment, outcome.variant) == ("v0003", "e1", "treatment")
    assert (outcome.placement, outcome.revenue) == ("home", 0.0)


def test_an_event_without_id_is_credited_once_by_its_content_key(store: Store) -> None:
    _served(store, "r1", ["a"], 100.0)
    cart = Event("web-1", "add_to_cart", 150.0, item_id="a", request_id="r1")
    _post(store, cart)
    _post(store, cart)
    (outcome,) = store.iter_outcomes()
    assert outcome.type == "add_to_cart" and outcome.event_id.startswith("h:")


def test_a_request_id_that_did_not_show_the_item_credits_nothing(store: Store) -> None:
    _served(store, "r1", ["a"], 100.0)
    _served(store, "r2", ["b"], 90.0)  # b was shown, but not by the list the click names
    _post(store, Event("web-1", "click", 150.0, item_id="b", event_id="ev-1", request_id="r1"))
    assert list(store.iter_outcomes()) == []


def test_without_request_id_the_customers_latest_impression_in_any_channel_wins(store: Store) -> None:
    store.upsert_items([Item("a", "A", price=7.5)])
    store.ensure_accounts([("web-1", "web"), ("app-1", "app")], {"web-1": "c1", "app-1": "c1"})
    _served(store, "r-web", ["a"], 1_000.0, user="web-1")
    _served(store, "r-app", ["x", "a"], 2_000.0, user="app-1")
    _post(store, Event("web-1", "purchase", 3_000.0, item_id="a", event_id="p1", value=2, price=5.0))
    _post(store, Event("web-1", "purchase", 3_100.0, item_id="a", event_id="p2"))  # catalog price, 1 unit
    credited = {
        o.event_id: (o.request_id, o.position, o.revenue, o.customer_id) for o in store.iter_outcomes()
    }
    assert credited == {"p1": ("r-app", 1, 10.0, "c1"), "p2": ("r-app", 1, 7.5, "c1")}


def test_the_window_is_inclusive_and_later_impressions_do_not_count(store: Store) -> None:
    store.ensure_accounts([("web-1", "web")], {"web-1": "c1"})
    _served(store, "r1", ["a"], 0.0)
    _post(store, Event("web-1", "click", DAY, item_id="a", event_id="edge"))
    _post(store, Event("web-1", "click", DAY + 0.5, item_id="a", event_id="late"))
    _post(store, Event("web-1", "click", 12 * 3600.0, item_id="a", event_id="short"), window_hours=6)
    _served(store, "r2", ["b"], 10_000.0)
    _post(store, Event("web-1", "click", 9_000.0, item_id="b", event_id="before"))  # shown 1000 s after it
    assert [o.event_id for o in store.iter_outcomes()] == ["edge"]


def test_a_rendered_impression_becomes_a_client_impression_that_earns_credit(store: Store) -> None:
    _served(store, "r1", ["a", "b"], 100.0, experiment="e1", variant="control")
    rendered = Event("web-1", "impression", 101.0, item_id="b", request_id="r1", position=1)
    _post(
        store,
        rendered,
        Event("app-9", "impression", 102.0, item_id="z", request_id="r9", position=0, placement="pdp"),
    )
    _post(store, rendered)
    client = [i for i in store.iter_impressions() if i.origin == "client"]
    assert [(i.request_id, i.item_id, i.placement, i.model_version, i.variant) for i in client] == [
        ("r1", "b", "home", "v0003", "control"),  # stamped like the server's list it belongs to
        ("r9", "z", "pdp", None, None),  # a list this server never logged
    ]
    assert client[1].customer_id == customer_id_for("app-9")
    _post(store, Event("app-9", "click", 103.0, item_id="z", event_id="c9", request_id="r9"))
    assert [(o.request_id, o.placement) for o in store.iter_outcomes()] == [("r9", "pdp")]


def test_a_request_id_credits_however_late_and_where_the_shopper_saw_it(store: Store) -> None:
    _served(store, "r1", ["c", "a", "b"], 0.0)
    # The front end rendered c last (its own layout): the shopper saw it at slot 2.
    _post(store, Event("web-1", "impression", 1.0, item_id="c", request_id="r1", position=2))
    late = Event("web-1", "click", 10 * DAY, item_id="c", event_id="late", request_id="r1")
    unseen = Event("web-1", "click", 10 * DAY, item_id="a", event_id="no-list")  # nothing in its window
    _post(store, late, unseen)
    (outcome,) = store.iter_outcomes()
    assert (outcome.event_id, outcome.position, outcome.model_version) == ("late", 2, "v0003")
