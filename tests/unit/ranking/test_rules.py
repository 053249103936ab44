"""Business rules on a tiny catalog whose right answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from shelfwise.domain import Item, ScoredItem
from shelfwise.errors import ConfigError
from shelfwise.ranking.diversity import select
from shelfwise.ranking.rules import BOOSTED_REASON, PINNED_REASON, RuleContext, apply_rules
from shelfwise.settings import Settings
from shelfwise.settings.rules import PlacementRules, RulesSettings

PHONES = "Electronics > Phones"
CASES = "Electronics > Phone Accessories > Cases"
BEANS = "Grocery > Coffee > Beans"


def _item(
    item_id: str, category: str, price: float | None = 10.0, brand: str = "Acme", in_stock: bool | None = True
) -> Item:
    return Item(
        item_id,
        f"title {item_id}",
        brand=brand,
        category=tuple(category.split(" > ")),
        price=price,
        in_stock=in_stock,
    )


CATALOG = {
    "p1": _item("p1", PHONES, 700, "Nimbus"),
    "p2": _item("p2", PHONES, 500, "Orbita"),
    "p3": _item("p3", PHONES, 300, "Nimbus", in_stock=False),
    "c1": _item("c1", CASES, 20, "Armorly"),
    "c2": _item("c2", CASES, 25, "Shellcraft"),
    "c3": _item("c3", CASES, 15, "Armorly"),
    "c4": _item("c4", CASES, None, "Armorly"),
    "b1": _item("b1", BEANS, 12, "Highland"),
    "b2": _item("b2", BEANS, 14, "Blue Mesa", in_stock=None),  # stock unknown: stays
}
# Model order: cases first, then phones, then beans.
CANDIDATES = [ScoredItem(i, s, (f"model reason {i}",)) for i, s in [
    ("c1", 0.9), ("c2", 0.85), ("c3", 0.8), ("c4", 0.75), ("p1", 0.7), ("p2", 0.6), ("p3", 0.5), ("b1", 0.4), ("b2", 0.3),
]]  # fmt: skip


def ids(items: list[ScoredItem]) -> list[str]:
    return [s.item_id for s in items]


def test_no_rules_keeps_model_order_and_reasons() -> None:
    rules = PlacementRules(in_stock_only=False)
    out = apply_rules(CANDIDATES, CATALOG, rules, 4)
    assert ids(out) == ["c1", "c2", "c3", "c4"]
    assert out[0].reasons == ("model reason c1",)


def test_out_of_stock_is_filtered_unknown_stock_stays() -> None:
    out = apply_rules(CANDIDATES, CATALOG, PlacementRules(), 20)
    assert "p3" not in ids(out) and "b2" in ids(out)


def test_items_missing_from_the_catalog_are_never_shown() -> None:
    out = apply_rules([ScoredItem("ghost", 5.0), *CANDIDATES], CATALOG, PlacementRules(), 3)
    assert "ghost" not in ids(out)


def test_category_allow_and_deny_prefixes() -> None:
    assert set(
        ids(apply_rules(CANDIDATES, CATALOG, PlacementRules(categories=["electronics > phones"]), 10))
    ) == {"p1", "p2"}
    out = apply_rules(CANDIDATES, CATALOG, PlacementRules(exclude_categories=["Electronics"]), 10)
    assert set(ids(out)) == {"b1", "b2"}
    # A prefix matches whole path levels only: "Elec" is not "Electronics".
    assert apply_rules(CANDIDATES, CATALOG, PlacementRules(categories=["Elec"]), 10) == []


def test_brand_filter_is_case_insensitive() -> None:
    assert ids(apply_rules(CANDIDATES, CATALOG, PlacementRules(brands=["nimbus"]), 10)) == ["p1"]


def test_price_range_drops_items_without_a_price() -> None:
    out = apply_rules(CANDIDATES, CATALOG, PlacementRules(min_price=14, max_price=500), 10)
    assert ids(out) == ["c1", "c2", "c3", "p2", "b2"]  # c4 has no price; p1 and b1 outside


def test_already_bought_is_excluded_unless_repurchasable() -> None:
    context = RuleContext(purchased=frozenset({"c1", "b1"}))
    out = apply_rules(CANDIDATES, CATALOG, PlacementRules(), 20, context)
    assert "c1" not in ids(out) and "b1" not in ids(out)
    out = apply_rules(CANDIDATES, CATALOG, PlacementRules(repurchasable_categories=["Grocery"]), 20, context)
    assert "c1" not in ids(out) and "b1" in ids(out)  # coffee beans run out; a case does not
    out = apply_rules(CANDIDATES, CATALOG, PlacementRules(exclude_purchased=False), 20, context)
    assert {"c1", "b1"} <= set(ids(out))


def test_excluded_ids_such_as_the_anchor_are_never_shown() -> None:
    out = apply_rules(CANDIDATES, CATALOG, PlacementRules(), 3, RuleContext(exclude=frozenset({"c1"})))
    assert ids(out) == ["c2", "c3", "c4"]


def test_boosts_by_item_brand_and_category_reorder_and_say_so() -> None:
    rules = PlacementRules(
        boosts={"brand:Highland": 3.0, "category:Electronics > Phones": 1.4, "item:c3": 0.1}
    )
    out = apply_rules(CANDIDATES, CATALOG, rules, 5)
    assert ids(out) == ["b1", "p1", "c1", "c2", "p2"]  # b1 0.4·3 = 1.2, p1 0.7·1.4 = 0.98
    assert BOOSTED_REASON in out[0].reasons and out[0].score == pytest.approx(1.2)
    assert "c3" not in ids(out)  # demoted below the top 5


def test_pins_come_first_in_order_even_when_not_candidates() -> None:
    rules = PlacementRules(pins=["b2", "p2"])
    out = apply_rules(CANDIDATES[:4], CATALOG, rules, 4)
    assert ids(out) == ["b2", "p2", "c1", "c2"]
    assert out[0].reasons[0] == PINNED_REASON and out[1].reasons[0] == PINNED_REASON
    assert PINNED_REASON not in out[2].reasons


def test_pins_never_bypass_hard_filters() -> None:
    rules = PlacementRules(pins=["p3", "c1", "nope"], brands=["Armorly", "Nimbus"])
    out = apply_rules(CANDIDATES, CATALOG, rules, 3)
    assert ids(out) == ["c1", "c3", "c4"]  # p3 out of stock, "nope" unknown, c2 wrong brand


def test_cap_per_category() -> None:
    out = apply_rules(CANDIDATES, CATALOG, PlacementRules(max_per_category=2), 6)
    assert ids(out) == ["c1", "c2", "p1", "p2", "b1", "b2"]


def test_cap_is_relaxed_before_returning_fewer_than_k() -> None:
    out = apply_rules(CANDIDATES, CATALOG, PlacementRules(max_per_category=1), 5)
    # One per category gives three; the cap then yields to the best remaining items.
    assert ids(out) == ["c1", "p1", "b1", "c2", "c3"]


def test_hard_filters_are_never_relaxed_to_reach_k() -> None:
    out = apply_rules(CANDIDATES, CATALOG, PlacementRules(categories=["Grocery"], max_per_category=1), 5)
    assert ids(out) == ["b1", "b2"]


def test_filter_cap_and_pin_together() -> None:
    rules = PlacementRules(
        exclude_categories=["Grocery"], max_per_category=2, pins=["c3"], in_stock_only=True, max_price=600
    )
    out = apply_rules(CANDIDATES, CATALOG, rules, 4)
    # c3 pinned (a case), so only one more case fits the cap before the phones; p1 costs too much,
    # p3 is out of stock; the cap is then relaxed to reach k = 4.
    assert ids(out) == ["c3", "c1", "p2", "c2"]
    assert out[0].reasons[0] == PINNED_REASON


def test_at_least_k_whenever_enough_candidates_pass_the_filters() -> None:
    rng = np.random.default_rng(0)
    for trial in range(50):
        k = int(rng.integers(1, 9))
        cap = int(rng.integers(1, 3))
        rules = PlacementRules(
            max_per_category=cap, diversity=float(rng.random()), pins=["b1"] if trial % 2 else []
        )
        vectors = {i: v / np.linalg.norm(v) for i, v in ((i, rng.normal(size=8)) for i in CATALOG)}
        out = apply_rules(CANDIDATES, CATALOG, rules, k, RuleContext(vectors=vectors))
        passing = [c for c in CANDIDATES if c.item_id != "p3"]
        assert len(out) == min(k, len(passing))
        assert len(set(ids(out))) == len(out)


def test_diversity_prefers_items_unlike_those_chosen() -> None:
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    vectors = {"c1": a, "c2": a, "c3": a, "c4": a, "p1": b, "p2": b, "p3": b, "b1": b, "b2": b}
    plain = apply_rules(CANDIDATES, CATALOG, PlacementRules(), 2, RuleContext(vectors=vectors))
    diverse = apply_rules(CANDIDATES, CATALOG, PlacementRules(diversity=0.5), 2, RuleContext(vectors=vectors))
    assert ids(plain) == ["c1", "c2"]
    assert ids(diverse) == ["c1", "p1"]


def test_select_is_score_order_without_cap_or_diversity() -> None:
    assert select([0.9, 0.5, 0.3], ["a", "a", "b"], 3) == [0, 1, 2]
    assert select([0.9, 0.5, 0.3], ["a", "a", "b"], 3, max_per_category=1) == [0, 2, 1]
    assert select([0.9, 0.5, 0.3], ["a", "a", "b"], 2, chosen=[2]) == [2, 0]


def test_score_order_walk_picks_what_the_greedy_loop_picks() -> None:
    """Without MMR ``select`` walks down the scores once; with MMR over identical vectors every
    candidate pays the same similarity, so the greedy loop must pick the same, ties and caps included."""
    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(1, 25))
        scores = rng.integers(0, 4, n).astype(float)  # many ties
        scores[rng.random(n) < 0.1] = -np.inf
        categories = [[None, "a", "b", "c"][int(c)] for c in rng.integers(0, 4, n)]
        k = int(rng.integers(1, n + 3))
        cap = [None, 1, 2][int(rng.integers(0, 3))]
        pins = rng.choice(n, int(rng.integers(0, min(n, 3) + 1)), replace=False).tolist()
        same = np.full((n, 2), np.sqrt(0.5))
        greedy = select(list(scores), categories, k, cap, diversity=0.5, vectors=same, chosen=pins)
        assert select(list(scores), categories, k, cap, chosen=pins) == greedy


def test_inferred_categories_feed_caps_and_filters() -> None:
    bare = {"x": Item("x", "X"), "y": Item("y", "Y"), "z": Item("z", "Z")}
    candidates = [ScoredItem("x", 3), ScoredItem("y", 2), ScoredItem("z", 1)]
    context = RuleContext(category_of={"x": CASES, "y": CASES, "z": PHONES})
    assert ids(apply_rules(candidates, bare, PlacementRules(max_per_category=1), 2, context)) == ["x", "z"]
    assert ids(apply_rules(candidates, bare, PlacementRules(categories=[PHONES]), 2, context)) == ["z"]


def test_placement_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHELFWISE_RULES__CART__PINS", '["c3"]')
    monkeypatch.setenv("SHELFWISE_RULES__HOME__MAX_PER_CATEGORY", "5")
    settings = Settings()
    assert settings.rules.for_placement("cart").pins == ["c3"]
    assert settings.rules.home.max_per_category == 5 and settings.rules.home.diversity == 0.2  # default kept
    with pytest.raises(ConfigError):
        RulesSettings().for_placement("checkout")
    with pytest.raises(ValueError):
        PlacementRules(min_price=10, max_price=5)
    with pytest.raises(ValueError):
        PlacementRules(max_per_categroy=2)  # type: ignore[call-arg]  # typos are errors
