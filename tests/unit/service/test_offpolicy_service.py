"""The off-policy replay sees each customer as they stood just before the logged list."""

from __future__ import annotations

from shelfwise.domain import Event
from shelfwise.profiles import CustomerProfile
from shelfwise.service.offpolicy import as_of


def test_as_of_drops_later_engagement_and_purchases() -> None:
    events = (
        Event("u", "purchase", 10.0, item_id="a"),
        Event("u", "view", 20.0, item_id="b"),
        Event("u", "purchase", 30.0, item_id="c"),
        Event("u", "purchase", 40.0, item_id="a"),  # bought again later: still bought before
    )
    profile = CustomerProfile("c-u", ("u",), recent=events, purchased=frozenset({"a", "c", "old"}))
    before = as_of(profile, 25.0)
    assert [e.item_id for e in before.recent] == ["a", "b"]
    assert before.purchased == {"a", "old"}  # "old" predates the capped history: kept
    assert as_of(profile, 5.0).recent == ()
