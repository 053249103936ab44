"""The "search" placement's business rules apply to search results (settings.rules.search)."""

from __future__ import annotations

from collections.abc import Callable

from shelfwise.domain import Event
from shelfwise.service.lists import ListService

Make = Callable[..., ListService]


def test_a_pinned_promotion_leads_and_says_so(make_service: Make) -> None:
    results = make_service(rules={"pins": ["shoe-asics"]}).search("running shoes", k=3)
    assert results[0].item_id == "shoe-asics"
    assert results[0].reasons[0] == "promoted by the shop (pinned)"
    assert len(results) == 3


def test_a_brand_rule_filters(make_service: Make) -> None:
    dewalt_only = make_service(rules={"brands": ["DeWalt"]}).search("cordless drill", k=5)
    assert dewalt_only and {r.item_id for r in dewalt_only} <= {"drill-dewalt", "saw-dewalt"}


def test_a_cap_limits_each_category(make_service: Make) -> None:
    # Both drills outrank the saw for this query; a cap of one item per category makes room for it.
    uncapped = [r.item_id for r in make_service().search("cordless drill saw", k=2)]
    assert sorted(uncapped) == ["drill-dewalt", "drill-makita"]
    capped = [
        r.item_id for r in make_service(rules={"max_per_category": 1}).search("cordless drill saw", k=2)
    ]
    assert capped == ["drill-makita", "saw-dewalt"]
    # With only drills to choose from, the cap gives way rather than return fewer than k.
    assert len(make_service(rules={"max_per_category": 1}).search("cordless drill", k=2)) == 2


def test_past_purchases_are_hidden_only_when_the_shop_asks(make_service: Make) -> None:
    bought = [("e1", Event(user_id="u1", type="purchase", timestamp=1.0, item_id="shoe-nike"))]
    default = make_service()
    default._ctx.store.append_events(bought)
    assert "shoe-nike" in [r.item_id for r in default.search("running shoes", user_id="u1", k=5)]
    hiding = make_service(rules={"exclude_purchased": True})
    hiding._ctx.store.append_events(bought)
    shown = [r.item_id for r in hiding.search("running shoes", user_id="u1", k=5)]
    assert "shoe-nike" not in shown and "shoe-adidas" in shown
