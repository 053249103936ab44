"""Negative signals (a 1–2 star rating, a dismiss, a return) never count as interest, with known answers."""

from __future__ import annotations

import numpy as np

from shelfwise.complements.baskets import count_pairs
from shelfwise.domain import Event, customer_id_for, is_engagement, is_negative
from shelfwise.history import build_histories, build_item_index
from shelfwise.history.histories import trending_scores
from shelfwise.profiles import ProfileBook
from shelfwise.search.behaviour import search_groups, without_returned
from shelfwise.storage import StoredEvent

POSITION = {"phone": 0, "case": 1, "socks": 2}


def _event(user: str, kind: str, at: float, item: str, value: float | None = None) -> Event:
    return Event(user, kind, at, item_id=item, value=value, channel="web", session_id=f"{user}-s")


def test_what_counts_as_interest() -> None:
    assert is_engagement(_event("u", "rate", 1, "a", 4)) and not is_negative(_event("u", "rate", 1, "a", 3))
    for negative in (
        _event("u", "rate", 1, "a", 1),
        _event("u", "rate", 1, "a", 2),
        _event("u", "review", 1, "a", 2),
        _event("u", "dismiss", 1, "a"),
        _event("u", "return", 1, "a"),
    ):
        assert is_negative(negative) and not is_engagement(negative)


def test_a_one_star_rating_or_a_dismiss_does_not_enter_the_history() -> None:
    events = [
        _event("u", "view", 1, "phone"),
        _event("u", "rate", 2, "case", 1),
        _event("u", "dismiss", 3, "socks"),
        _event("u", "rate", 4, "socks", 5),
    ]
    index = build_item_index([], events)
    history = build_histories(events, index, {})[customer_id_for("u")]
    assert [index.item_ids[i] for i in history.items] == ["phone", "socks"]  # the 5 stars count
    trending = trending_scores([history], len(index))
    assert trending[index.get("case")] == 0.0


def test_a_return_takes_the_purchase_back() -> None:
    events = [
        _event("u", "purchase", 1, "phone"),
        _event("u", "purchase", 2, "case"),
        _event("u", "return", 3, "case"),
    ]
    index = build_item_index([], events)
    history = build_histories(events, index, {})[customer_id_for("u")]
    assert {index.item_ids[i] for i in history.purchased} == {"phone"}


def test_a_returned_purchase_is_not_a_bought_together_pair() -> None:
    kept = [
        _event(f"k{n}", kind, t, item)
        for n in range(2)
        for kind, t, item in (("purchase", 0, "phone"), ("purchase", 60, "case"))
    ]
    returned = [
        _event("r", "purchase", 0, "phone"),
        _event("r", "purchase", 60, "case"),
        _event("r", "return", 7 * 86400, "case"),
    ]
    counts = count_pairs(kept + returned, POSITION, {}, 3)
    assert counts.together[0, 1] == 2  # the two who kept both, not the one who sent the case back
    assert counts.buyers[POSITION["case"]] == 2 and counts.buyers[POSITION["phone"]] == 3
    without_return = count_pairs(kept + returned[:2], POSITION, {}, 3)
    assert without_return.together[0, 1] == 3


def test_the_live_profile_keeps_what_the_customer_said_no_to_until_they_say_yes() -> None:
    book = ProfileBook()
    stream = [
        _event("u", "view", 1, "phone"),
        _event("u", "dismiss", 2, "phone"),
        _event("u", "rate", 3, "case", 1),
        _event("u", "purchase", 4, "socks"),
        _event("u", "return", 5, "socks"),
    ]
    book.apply([StoredEvent(n + 1, e) for n, e in enumerate(stream)])
    profile = book.get("u")
    assert profile.disliked == frozenset({"phone", "case", "socks"})
    assert profile.purchased == frozenset()  # returned
    assert [e.item_id for e in profile.recent] == ["phone", "socks"]  # the view and the purchase
    book.apply(
        [StoredEvent(6, _event("u", "view", 6, "phone")), StoredEvent(7, _event("u", "rate", 7, "case", 4))]
    )
    assert book.get("u").disliked == frozenset({"phone", "socks"})  # a view lifts nothing; 4 stars do
    # Out of time order: an older approval does not overrule a newer dismiss.
    book.apply([StoredEvent(8, _event("u", "add_to_cart", 1.5, "phone"))])
    assert "phone" in book.get("u").disliked


def test_histories_ignore_ratings_in_the_numbers_they_count() -> None:
    events = [_event(f"u{n}", "rate", n, "case", 1) for n in range(5)] + [_event("v", "view", 9, "phone")]
    index = build_item_index([], events)
    histories = build_histories(events, index, {})
    assert list(histories) == [customer_id_for("v")]  # five 1-star raters have no history at all
    assert np.asarray(trending_scores(histories.values(), len(index)))[index.get("case")] == 0.0


def test_a_returned_purchase_leaves_the_search_log() -> None:
    log = [
        Event("web-ann", "click", 1, item_id="drill", query="drill"),
        Event("web-ann", "purchase", 2, item_id="drill", query="drill"),
        Event("web-bob", "purchase", 3, item_id="drill", query="drill"),
        Event("web-ann", "purchase", 20, item_id="drill", query="cordless drill"),
    ]
    # Ann returns the drill in store (another account of hers) between her two purchases.
    returns = [Event("store-ann", "return", 10, item_id="drill")]
    kept = without_returned(log, returns, {"web-ann": "ann", "store-ann": "ann"})
    assert [(e.user_id, e.type, e.timestamp) for e in kept] == [
        ("web-ann", "click", 1),
        ("web-bob", "purchase", 3),
        ("web-ann", "purchase", 20),
    ]
    grades = {g.query: g.grades for g in search_groups(kept) if g.group_id.startswith("web-ann")}
    assert grades == {"drill": {"drill": 1}, "cordless drill": {"drill": 3}}  # a click, not a purchase
