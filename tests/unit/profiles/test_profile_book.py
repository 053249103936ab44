"""``ProfileBook``: the live per-customer state every list is ranked from, with known answers."""

from __future__ import annotations

from shelfwise.domain import Event, customer_id_for
from shelfwise.history import build_item_index
from shelfwise.profiles import ProfileBook
from shelfwise.storage import StoredEvent


def _stored(
    seq: int, user: str, item: str, kind: str = "view", at: float | None = None, channel: str = "web"
) -> StoredEvent:
    event = Event(
        user_id=user, item_id=item, type=kind, timestamp=at if at is not None else float(seq), channel=channel
    )
    return StoredEvent(seq, event)


def test_events_build_a_profile_in_time_order_with_purchases_and_channels() -> None:
    book = ProfileBook(max_items=3)
    book.apply(
        [
            _stored(1, "u", "a"),
            _stored(2, "u", "b", "purchase", channel="store"),
            _stored(3, "u", "c", at=0.5),
        ]
    )
    profile = book.get("u")
    assert profile is not None and profile.customer_id == customer_id_for("u")
    assert [e.item_id for e in profile.recent] == ["c", "a", "b"]  # by timestamp, not arrival
    assert profile.purchased == frozenset({"b"})
    assert dict(profile.channels) == {"web": 2, "store": 1}
    book.apply([_stored(4, "u", "d", at=10.0), _stored(5, "u", "e", at=11.0)])
    assert [e.item_id for e in book.get("u").recent] == ["b", "d", "e"]  # capped to the newest 3
    assert book.get("u").purchased == frozenset({"b"})  # purchases are never capped


def test_an_event_is_applied_once_however_often_it_arrives() -> None:
    book = ProfileBook()
    batch = [_stored(1, "u", "a"), _stored(2, "u", "b")]
    book.apply(batch)
    book.apply(batch)
    assert book.get("u").events == 2 and book.applied_seq == 2


def test_forget_drops_the_customer_and_every_account_name() -> None:
    book = ProfileBook()
    book.apply([_stored(1, "u", "a")])
    customer = book.customer_id("u")
    book.forget(customer)
    assert book.get("u") is None and book.get(customer) is None and len(book) == 0


def test_history_is_the_models_view_of_the_profile() -> None:
    book = ProfileBook()
    book.apply(
        [_stored(1, "u", "a"), _stored(2, "u", "a"), _stored(3, "u", "b", "purchase"), _stored(4, "u", "zzz")]
    )
    index = build_item_index([], [e.event for e in [_stored(0, "x", "a"), _stored(0, "x", "b")]])
    history = book.get("u").history(index)
    assert history is not None
    assert history.items == [index.get("a"), index.get("b")]  # repeats collapsed, unknown items skipped
    assert history.purchased == {index.get("b")}
