"""Contract, continued: what several processes on one store rely on (the change feed, API keys,
orders that models depend on), on every backend."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from shelfwise.domain import Event, Item
from shelfwise.storage import ApiKeyRecord, Store, open_store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def _view(user: str, ts: float, item: str) -> Event:
    return Event(user, "view", ts, item_id=item, channel="web")


def test_items_come_back_in_arrival_order_and_edits_keep_their_place(store: Store) -> None:
    store.upsert_items([Item("z", "Zed"), Item("a", "Ay"), Item("m", "Em")])
    store.upsert_items([Item("a", "Ay, edited"), Item("b", "Bee")])
    assert [i.item_id for i in store.iter_items()] == ["z", "a", "m", "b"]
    assert store.count_items() == 4


def test_a_batch_naming_one_item_twice_keeps_the_last(store: Store) -> None:
    assert store.upsert_items([Item("a", "First"), Item("a", "Second")]) == 2
    assert store.get_item("a").title == "Second"


def test_item_fields_round_trip(store: Store) -> None:
    item = Item(
        "a", "Lipstick", description="Red, matte", brand="Acme", category=("Beauty", "Lips"), price=9.99,
        currency="EUR", attributes={"shade": "red", "sizes": [1, 2]}, image_url="http://x/a.png",
        in_stock=False, created_at=1_700_000_000.25,
    )  # fmt: skip
    store.upsert_items([item])
    assert store.get_item("a") == item
    assert list(store.iter_items()) == [item]


def test_events_filter_by_type_and_user_and_round_trip_every_field(store: Store) -> None:
    full = Event(
        "u1", "purchase", 5.5, item_id="a", event_id="e1", channel="store", value=2.0, price=19.99,
        query=None, session_id="s", store_id="berlin", text="gift",
    )  # fmt: skip
    store.append_events([("k1", full), ("k2", _view("u2", 1.0, "b")), ("k3", _view("u1", 9.0, "c"))])
    assert [e.event for e in store.iter_events(types=["purchase"])] == [full]
    assert [e.event.item_id for e in store.iter_events(user_ids=["u1"])] == ["a", "c"]
    assert [e.event.item_id for e in store.iter_events(types=["view"], user_ids=["u1", "u2"])] == ["b", "c"]
    assert list(store.iter_events(user_ids=[])) == []
    assert store.channel_counts_by_user() == {"u1": {"store": 1, "web": 1}, "u2": {"web": 1}}


def test_events_after_follows_insertion_order_not_time(store: Store) -> None:
    store.append_events([("k1", _view("u", 20.0, "late")), ("k2", _view("u", 10.0, "early"))])
    feed = store.events_after(0)
    assert [e.event.item_id for e in feed] == ["late", "early"]
    assert feed[0].seq < feed[1].seq
    store.append_events([("k3", _view("u", 5.0, "newest"))])
    assert [e.event.item_id for e in store.events_after(feed[-1].seq)] == ["newest"]
    assert len(store.events_after(0, limit=2)) == 2


def test_change_log_and_item_stamps(store: Store) -> None:
    store.record_change("identity")
    store.record_change("forget", "c-42")
    changes = store.changes_after(0)
    assert [(c.kind, c.subject) for c in changes] == [("identity", None), ("forget", "c-42")]
    assert store.changes_after(changes[0].seq) == changes[1:]

    store.upsert_items([Item("a", "A")])
    ((stamp, item),) = store.items_updated_since(0.0)
    assert item.item_id == "a"
    assert store.items_updated_since(stamp + 1) == []
    store.upsert_items([Item("a", "A")])  # unchanged: keeps its stamp
    assert store.items_updated_since(0.0) == [(stamp, item)]


def test_api_keys(store: Store) -> None:
    key = ApiKeyRecord("k-1", "ab" * 32, ("ingest", "read"), "shop", 100.0)
    store.add_api_key(key)
    store.add_api_key(ApiKeyRecord("k-0", "cd" * 32, ("admin",), None, 50.0))
    assert store.get_api_key("k-1") == key and store.get_api_key("nope") is None
    assert [k.key_id for k in store.list_api_keys()] == ["k-0", "k-1"]
    assert store.revoke_api_key("k-1", 200.0) is True
    assert store.revoke_api_key("k-1", 300.0) is False
    assert store.get_api_key("k-1").revoked_at == 200.0


def test_implicit_account_seq_follows_first_sight(store: Store) -> None:
    assert store.ensure_accounts([("a", "web"), ("b", None)], {"a": "c-a", "b": "c-b"}) == 2
    assert store.ensure_accounts([("a", "web"), ("c", "app")], {"c": "c-c"}) == 1
    seqs = {a.user_id: a.seq for a in store.iter_accounts()}
    assert seqs["a"] < seqs["b"] < seqs["c"]
    assert store.get_account("b").customer_id == "c-b" and store.get_account("b").implicit
    assert store.set_customer_ids({"a": "c-x", "b": "c-b"}) == 1  # only real changes count


def test_a_second_connection_sees_committed_writes(store_url: str) -> None:
    if store_url == "memory://":
        pytest.skip("an in-memory store belongs to one connection")
    writer, reader = open_store(store_url), open_store(store_url)
    try:
        with writer.transaction():
            writer.append_events([("k", _view("u", 1.0, "a"))])
            assert reader.events_after(0) == []  # not committed yet
        assert [e.event.item_id for e in reader.events_after(0)] == ["a"]
    finally:
        writer.close()
        reader.close()


def test_writers_commit_in_seq_order(store_url: str) -> None:
    """A follower reading "seq > last seen" must never miss a row: a second writer waits for the
    first one's commit, so its events get larger seqs and become visible after."""
    if store_url == "memory://":
        pytest.skip("an in-memory store belongs to one connection")
    first, second = open_store(store_url), open_store(store_url)
    done = threading.Event()

    def write_second() -> None:
        second.append_events([("k2", _view("u", 2.0, "second"))])
        done.set()

    try:
        with first.transaction():
            first.append_events([("k1", _view("u", 1.0, "first"))])
            thread = threading.Thread(target=write_second)
            thread.start()
            assert not done.wait(0.3)  # blocked behind the open write
        thread.join(timeout=10)
        assert done.is_set()
        assert [e.event.item_id for e in first.events_after(0)] == ["first", "second"]
    finally:
        first.close()
        second.close()
