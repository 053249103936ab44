"""Profile snapshot + the events after it == a full load, on every store backend; unusable
snapshots (missing, damaged, another store, too old) fall back; forgotten customers stay gone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shelfwise.domain import Event, customer_id_for
from shelfwise.profiles import ProfileBook, snapshot
from shelfwise.profiles.snapshot import profile_fields, resume, write_snapshot
from shelfwise.storage import Store, open_store
from shelfwise.storage.models import ModelStore

MAX_ITEMS = 3


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


_keys = iter(range(10**9))


def _add(store: Store, *events: Event) -> None:
    users = {e.user_id: e.channel for e in events}
    store.ensure_accounts(users.items(), {u: customer_id_for(u) for u in users})
    store.append_events([(f"k{next(_keys)}", e) for e in events])


def _ev(
    user: str, kind: str, at: float, item: str, channel: str = "web", value: float | None = None
) -> Event:
    return Event(user, kind, at, item_id=item, channel=channel, value=value)


def _seed(store: Store) -> None:
    _add(
        store,
        _ev("ann", "view", 1.0, "a"),
        _ev("ann", "purchase", 2.0, "b", "store"),
        _ev("ann", "view", 3.0, "c"),
        _ev("ann", "view", 4.0, "d"),  # ann has 4 engagements: capped to the newest 3
        _ev("bob", "purchase", 1.5, "a"),
        _ev("bob", "rate", 2.5, "c", value=1.0),  # a verdict: bob dislikes c
        _ev("bob", "purchase", 5.0, "x"),
        _ev("cid", "view", 5.0, "e", "app"),
    )


def _fields(book: ProfileBook) -> dict[str, dict]:
    return {p.customer_id: profile_fields(p) for p in book.customers()}


def _full(store: Store) -> dict[str, dict]:
    return _fields(ProfileBook.load(store, None, MAX_ITEMS))


def test_snapshot_plus_tail_equals_a_full_load(store: Store, tmp_path: Path) -> None:
    _seed(store)
    path = tmp_path / "profiles.snapshot"
    write_snapshot(store, path, MAX_ITEMS)
    _add(
        store,
        _ev("ann", "view", 0.5, "z"),  # late, with an old timestamp: too old for ann's newest 3
        _ev("bob", "return", 3.0, "a"),  # returns what he bought before the snapshot
        _ev("bob", "purchase", 2.0, "c"),  # an older approval of c: the 1-star rating stays newest
        # An older dismiss of x, arriving late: the newer purchase still settles x (applying the
        # tail to the snapshot's profile in arrival order would make x disliked).
        _ev("bob", "dismiss", 4.0, "x"),
        _ev("dee", "view", 6.0, "f", "app"),  # a new customer
    )
    book = resume(store, path, MAX_ITEMS)
    assert book is not None
    assert _fields(book) == _full(store)
    bob = book.get("bob")
    assert bob.purchased == frozenset({"c", "x"}) and bob.disliked == frozenset({"a", "c"})
    assert [e.item_id for e in book.get("ann").recent] == ["b", "c", "d"]
    assert book.get("dee").events == 1 and len(book) == 4
    # Untouched customers are read from the snapshot as they were.
    assert book.get("cid").channels == {"app": 1}
    assert book.applied_seq == max(s.seq for s in store.iter_events())


def test_the_live_feed_continues_after_a_resume(store: Store, tmp_path: Path) -> None:
    _seed(store)
    path = tmp_path / "profiles.snapshot"
    write_snapshot(store, path, MAX_ITEMS)
    book = resume(store, path, MAX_ITEMS)
    _add(store, _ev("cid", "purchase", 7.0, "g"), _ev("eve", "view", 8.0, "h"))
    book.apply(store.events_after(book.applied_seq))
    assert _fields(book) == _full(store)


def test_a_forgotten_customer_is_not_brought_back(store: Store, tmp_path: Path) -> None:
    _seed(store)
    path = tmp_path / "profiles.snapshot"
    write_snapshot(store, path, MAX_ITEMS)
    _forget(store, "bob")
    book = resume(store, path, MAX_ITEMS)
    assert book is not None
    assert book.get("bob") is None and book.customer_id(customer_id_for("bob")) is None
    assert _fields(book) == _full(store)
    # Nor does the file keep bob's events: resuming scrubbed it (a server forgetting scrubs first).
    assert b"bob" not in path.read_bytes() and b"ann" in path.read_bytes()
    assert resume(store, path, MAX_ITEMS) is not None


def test_scrub_removes_a_customer_and_keeps_the_snapshot_usable(store: Store, tmp_path: Path) -> None:
    _seed(store)
    path = tmp_path / "profiles.snapshot"
    write_snapshot(store, path, MAX_ITEMS)
    _forget(store, "ann")
    snapshot.scrub(path, [customer_id_for("ann")])
    assert b"ann" not in path.read_bytes()
    assert customer_id_for("ann") not in snapshot.read_snapshot(path).profiles
    book = resume(store, path, MAX_ITEMS)
    assert book is not None and book.get("ann") is None
    assert _fields(book) == _full(store)


def test_a_forgotten_customer_who_comes_back_starts_afresh(store: Store, tmp_path: Path) -> None:
    _seed(store)
    path = tmp_path / "profiles.snapshot"
    write_snapshot(store, path, MAX_ITEMS)
    _forget(store, "ann")
    _add(store, _ev("ann", "view", 9.0, "q"))
    book = resume(store, path, MAX_ITEMS)
    assert [e.item_id for e in book.get("ann").recent] == ["q"]
    assert book.get("ann").purchased == frozenset() and book.get("ann").events == 1
    assert _fields(book) == _full(store)


def test_a_forgotten_account_written_again_has_no_old_events(store: Store, tmp_path: Path) -> None:
    _seed(store)
    path = tmp_path / "profiles.snapshot"
    write_snapshot(store, path, MAX_ITEMS)
    _forget(store, "ann")
    store.ensure_accounts([("ann", "web")], {"ann": customer_id_for("ann")})  # an account, no events
    book = resume(store, path, MAX_ITEMS)
    assert book is not None
    assert book.get("ann").events == 0 and book.get("ann").recent == ()
    assert _fields(book) == _full(store)


def test_accounts_joined_after_the_snapshot_are_one_customer(store: Store, tmp_path: Path) -> None:
    _seed(store)
    path = tmp_path / "profiles.snapshot"
    write_snapshot(store, path, MAX_ITEMS)
    store.set_customer_ids({"cid": customer_id_for("ann")})
    store.record_change("identity")
    book = resume(store, path, MAX_ITEMS)
    assert book.get("cid").customer_id == customer_id_for("ann")
    assert book.get("ann").events == 5
    assert _fields(book) == _full(store)


def test_unusable_snapshots_fall_back_to_the_full_load(store: Store, tmp_path: Path) -> None:
    _seed(store)
    path = tmp_path / "profiles.snapshot"
    assert resume(store, path, MAX_ITEMS) is None  # missing
    write_snapshot(store, path, MAX_ITEMS)
    assert resume(store, path, MAX_ITEMS + 1) is None  # profiles of another size
    damaged = tmp_path / "damaged.snapshot"
    damaged.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    assert resume(store, damaged, MAX_ITEMS) is None
    garbage = tmp_path / "garbage.snapshot"
    garbage.write_bytes(b"not a snapshot")
    assert resume(store, garbage, MAX_ITEMS) is None
    # Events deleted behind the change feed's back (a restored backup, another store): not trusted.
    store.delete_events_of(["cid"])
    assert resume(store, path, MAX_ITEMS) is None
    assert resume(store, path, MAX_ITEMS) is None


def test_a_snapshot_of_another_store_is_not_used(store: Store, tmp_path: Path) -> None:
    other = open_store("memory://")
    _seed(other)
    _add(other, _ev("zed", "view", 1.0, "a"))
    path = tmp_path / "profiles.snapshot"
    write_snapshot(other, path, MAX_ITEMS)
    _seed(store)
    assert resume(store, path, MAX_ITEMS) is None


def test_too_many_events_since_the_snapshot_fall_back(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(store)
    path = tmp_path / "profiles.snapshot"
    write_snapshot(store, path, MAX_ITEMS)
    _add(store, *[_ev(f"new{i}", "view", 10.0 + i, "a") for i in range(30)])
    assert resume(store, path, MAX_ITEMS) is not None
    # The tail limit is a share of the snapshot's events plus one batch read: 1 + 10 < 30 here.
    monkeypatch.setattr(snapshot, "TAIL_BATCH", 10)
    assert resume(store, path, MAX_ITEMS) is None


def _forget(store: Store, user: str) -> None:
    """What ``ServingEngine.forget`` writes (the store side of a verifiable deletion)."""
    with store.transaction():
        store.delete_events_of([user])
        store.delete_accounts([user])
        store.record_change("forget", customer_id_for(user))


def test_a_forget_scrubs_the_newest_snapshot_and_drops_older_ones(store: Store, tmp_path: Path) -> None:
    _seed(store)
    models = ModelStore(tmp_path / "models")
    for version in ("v0001", "v0002"):
        write_snapshot(store, models.root / version / snapshot.PROFILES_FILE, MAX_ITEMS)
    _forget(store, "bob")
    snapshot.scrub_versions(models, [customer_id_for("bob")])
    assert not (models.root / "v0001" / snapshot.PROFILES_FILE).exists()
    newest = models.root / "v0002" / snapshot.PROFILES_FILE
    assert b"bob" not in newest.read_bytes()
    book = resume(store, newest, MAX_ITEMS)
    assert book is not None and _fields(book) == _full(store)
