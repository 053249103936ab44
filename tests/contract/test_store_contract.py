"""Every store backend must pass these: SQLite in memory and on disk, and PostgreSQL (a fresh
database per test; skipped only when no server answers, see tests/pg_store.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shelfwise.domain import Event, Item
from shelfwise.storage import AccountRecord, IdentityKeyRecord, Rejection, Store, open_store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def test_items_upsert_only_rewrites_changes(store: Store) -> None:
    item = Item("a", "Lipstick", category=("Beauty", "Lips"), price=9.5, attributes={"color": "red"})
    assert store.upsert_items([item]) == 1
    assert store.upsert_items([item]) == 0
    assert store.upsert_items([Item("a", "Lipstick Red", category=("Beauty", "Lips"))]) == 1
    assert store.get_item("a").title == "Lipstick Red"
    assert store.get_item("missing") is None
    assert [i.item_id for i in store.iter_items()] == ["a"]


def test_events_are_inserted_once_per_key_and_read_in_time_order(store: Store) -> None:
    late = Event("u", "view", 20.0, item_id="b")
    early = Event("u", "view", 10.0, item_id="a")
    assert store.append_events([("k1", late), ("k2", early)]) == 2
    assert store.append_events([("k1", late)]) == 0
    assert [e.event.item_id for e in store.iter_events()] == ["a", "b"]
    assert [e.event.item_id for e in store.iter_events(types=["purchase"])] == []
    assert store.count_events() == 2
    assert store.delete_events_of(["u"]) == 2 and store.count_events() == 0


def test_a_batch_with_stored_or_repeated_keys_stores_only_the_new_events_in_input_order(store: Store) -> None:
    # Only new keys are stored, once, numbered (seq) in input order: a batch may repeat a key or
    # hold one stored by an earlier batch (PostgreSQL stages and inserts ON CONFLICT DO NOTHING).
    assert store.append_events([("k1", Event("u", "view", 1.0, item_id="a"))]) == 1
    mixed = [("k2", Event("u", "view", 2.0, item_id="b")), ("k1", Event("u", "view", 1.0, item_id="a"))]
    assert store.append_events(mixed) == 1
    repeated = [(k, Event("u", "view", 3.0, item_id=k)) for k in ("k3", "k4", "k3")]
    assert store.append_events(repeated) == 2
    fresh = [(f"n{n}", Event("v", "view", 9.0, item_id=f"i{n}")) for n in range(5)]
    assert store.append_events(fresh) == 5
    stored = list(store.iter_events())
    assert [e.event.item_id for e in stored] == ["a", "b", "k3", "k4", "i0", "i1", "i2", "i3", "i4"]
    assert [e.seq for e in stored] == sorted(e.seq for e in stored)


def test_transaction_rolls_back_everything(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.upsert_items([Item("a", "A")])
        store.append_events([("k", Event("u", "view", 1.0, item_id="a"))])
        raise RuntimeError("boom")
    assert store.count_items() == 0 and store.count_events() == 0


def test_accounts_keys_customers_and_overrides(store: Store) -> None:
    key = IdentityKeyRecord("email", "h1", True)
    store.ensure_accounts([("web-1", "web")], {"web-1": "c-web-1"})
    store.upsert_accounts([AccountRecord("web-1", "web", (key,)), AccountRecord("store-1", "store", (key,))])
    web = store.get_account("web-1")
    assert web is not None and not web.implicit and web.seq == 1 and web.keys == (key,)
    assert store.get_account("store-1").seq == 2
    assert store.account_customers() == [("web-1", "c-web-1"), ("store-1", None)]
    assert store.set_customer_ids({"web-1": "c1", "store-1": "c1"}) == 2
    assert store.account_customers() == [(a.user_id, a.customer_id) for a in store.iter_accounts()]
    assert store.account_customers() == [("web-1", "c1"), ("store-1", "c1")]
    assert {a.user_id for a in store.accounts_of_customer("c1")} == {"web-1", "store-1"}
    store.set_detached("store-1", True)
    assert store.detached_users() == {"store-1"}
    store.set_detached("store-1", False)
    assert store.detached_users() == set()
    assert store.delete_accounts(["store-1"]) == 1 and store.get_account("store-1") is None


def test_rejections_are_counted_once(store: Store) -> None:
    rows = [Rejection("f", 2, "bad JSON"), Rejection("f", 3, "bad JSON")]
    store.record_rejections(rows)
    store.record_rejections(rows)
    assert store.count_rejections() == 2


def test_stats_shape(store: Store) -> None:
    store.append_events([("k", Event("u", "purchase", 1.0, item_id="a", channel="store"))])
    store.ensure_accounts([("u", "store")], {"u": "c-u"})
    assert store.stats() == {
        "items": 0,
        "accounts": 1,
        "customers": 1,
        "events": 1,
        "events_by_channel": {"store": 1},
        "events_by_type": {"purchase": 1},
        "rejected": 0,
    }


def test_search_rules_round_trip_and_announce_themselves(store: Store) -> None:
    before = store.changes_after(0)
    rule_id = store.add_search_rule("synonym", {"sources": ["couch"], "targets": ["sofa"], "two_way": False})
    pin = store.add_search_rule("pin", {"query": "sofa", "action": "pin", "item_id": "a", "position": 1})
    assert [(r.rule_id, r.kind) for r in store.search_rules()] == [(rule_id, "synonym"), (pin, "pin")]
    assert store.search_rules("synonym")[0].body["targets"] == ["sofa"]
    assert store.remove_search_rule(rule_id) and not store.remove_search_rule(rule_id)
    assert [r.kind for r in store.search_rules()] == ["pin"]
    changes = store.changes_after(before[-1].seq if before else 0)
    assert [c.kind for c in changes] == ["search_rules"] * 3  # two adds and one removal
