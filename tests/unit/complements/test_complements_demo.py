"""Complements, similar items, bundles and rules on a generated shop whose answer key is known."""

from __future__ import annotations

import pytest
from complement_shop import TrainedShop, kinds_of

from shelfwise.errors import NotFoundError
from shelfwise.ranking.rules import PINNED_REASON
from shelfwise.service.context import ServiceContext
from shelfwise.service.lists import ListService
from shelfwise.settings import Settings

PHONE_ACCESSORIES = {"case", "protector", "charger", "earbuds"}


def _phones(shop: TrainedShop) -> list[str]:
    return sorted(i for i, kind in shop.truth.item_kinds.items() if kind == "phone")


def test_a_phone_gets_its_cases_and_chargers_not_more_phones(trained_shop: TrainedShop) -> None:
    for phone in _phones(trained_shop):
        items = trained_shop.service.complementary([phone], k=5)
        kinds = kinds_of(trained_shop.truth, [s.item_id for s in items])
        assert "phone" not in kinds, (phone, kinds)
        assert kinds[0] in PHONE_ACCESSORIES, (phone, kinds)
    # And the cases shown are made for that phone (the answer key lists the fitting ones).
    phone = "phone-001"
    top = [s.item_id for s in trained_shop.service.complementary([phone], k=3)]
    assert all(item in trained_shop.truth.complements[phone] for item in top), top


def test_top_complements_agree_with_the_answer_key(trained_shop: TrainedShop) -> None:
    truth = trained_shop.truth
    hits = total = same_kind = 0
    for anchor, fitting in truth.complements.items():
        items = [s.item_id for s in trained_shop.service.complementary([anchor], k=3)]
        hits += sum(item in fitting for item in items)
        total += len(items)
        same_kind += sum(truth.item_kinds.get(item) == truth.item_kinds[anchor] for item in items)
    assert hits / total >= 0.75  # measured 0.85 with the fake encoder
    assert same_kind == 0


def test_the_relation_is_directional(trained_shop: TrainedShop) -> None:
    model, index = trained_shop.service.served.complements, trained_shop.service.served.index
    forward = backward = 0.0
    for phone in _phones(trained_shop):
        p = index.get(phone)
        from_phone = model.complement_scores([p])
        for case in (
            c for c in trained_shop.truth.complements[phone] if trained_shop.truth.item_kinds[c] == "case"
        ):
            forward += from_phone[index.get(case)]
            backward += model.complement_scores([index.get(case)])[p]
    assert forward > 2 * backward  # measured about 5×


def test_a_new_item_with_no_history_gets_complements_through_its_text(trained_shop: TrainedShop) -> None:
    service = trained_shop.service
    model, index = service.served.complements, service.served.index
    # Neither item has events or a category: categories come from the nearest texts.
    assert (
        model.category_names[model.category_of[index.get("new-case")]]
        == "Electronics > Phone Accessories > Cases"
    )
    assert (
        model.category_names[model.category_of[index.get("new-phone")]]
        == "Electronics > Phones > Smartphones"
    )
    items = service.complementary(["new-phone"], k=5)
    assert items[0].item_id == "new-case"
    assert "fits Nimbus X15 (same model in the title)" in items[0].reasons
    assert "phone" not in kinds_of(trained_shop.truth, [s.item_id for s in items[1:]])
    # ... and in the other direction the new case is a weaker pointer to the new phone.
    back = {s.item_id: s.score for s in service.complementary(["new-case"], k=10)}
    assert back.get("new-phone", 0.0) < items[0].score


def test_every_item_carries_reasons_from_its_evidence(trained_shop: TrainedShop) -> None:
    items = trained_shop.service.complementary(["phone-001"], k=5)
    assert all(s.reasons for s in items)
    text = " ".join(r for s in items for r in s.reasons)
    assert "Nimbus X12" in text  # "fits Nimbus X12 (listed as compatible)"
    assert any(
        r.startswith(("bought together with", "bought after")) and "customer" in r
        for s in items
        for r in s.reasons
    )


def test_a_cart_gets_complements_of_each_item(trained_shop: TrainedShop) -> None:
    items = trained_shop.service.complementary(["phone-001", "laptop-001"], k=8)
    kinds = set(kinds_of(trained_shop.truth, [s.item_id for s in items]))
    assert kinds & {"case", "protector", "charger"} and kinds & {"mouse", "sleeve", "laptop_bag", "hub"}
    assert not kinds & {"phone", "laptop"}


def test_similar_items_are_the_same_kind(trained_shop: TrainedShop) -> None:
    for anchor in ("phone-001", "laptop-001", "coffee_maker-001"):
        items = trained_shop.service.similar(anchor, k=5)
        kind = trained_shop.truth.item_kinds[anchor]
        assert kinds_of(trained_shop.truth, [s.item_id for s in items]) == [kind] * 5
        assert all(s.reasons for s in items) and anchor not in [s.item_id for s in items]
    reasons = [r for s in trained_shop.service.similar("phone-001", k=5) for r in s.reasons]
    assert any(r.startswith("viewed as an alternative to") for r in reasons)


def test_bundle_adds_one_item_per_other_category_with_the_total_price(trained_shop: TrainedShop) -> None:
    service = trained_shop.service
    bundle = service.bundle(["phone-001"], size=3)
    assert len(bundle.items) == 2
    kinds = kinds_of(trained_shop.truth, [s.item_id for s in bundle.items])
    assert len(set(kinds)) == 2 and "phone" not in kinds
    catalog = {item.item_id: item for item in trained_shop.ctx.store.iter_items()}
    expected = catalog["phone-001"].price + sum(catalog[s.item_id].price for s in bundle.items)  # type: ignore[operator]
    assert bundle.total_price == pytest.approx(expected) and bundle.currency == "USD"
    assert all(catalog[s.item_id].in_stock for s in bundle.items)


def test_unknown_items_raise_not_found(trained_shop: TrainedShop) -> None:
    with pytest.raises(NotFoundError):
        trained_shop.service.complementary(["no-such-item"])
    with pytest.raises(NotFoundError):
        trained_shop.service.similar("no-such-item")


def test_placement_rules_apply_pin_filter_and_cap(trained_shop: TrainedShop) -> None:
    settings = Settings(home=trained_shop.ctx.settings.home)
    settings.rules.product.pins = ["mug-001"]
    settings.rules.product.exclude_categories = ["Electronics > Phone Accessories > Chargers"]
    settings.rules.product.max_per_category = 1
    service = ListService(ServiceContext(settings))
    items = service.complementary(["phone-001"], k=4)
    assert items[0].item_id == "mug-001" and items[0].reasons[0] == PINNED_REASON
    kinds = kinds_of(trained_shop.truth, [s.item_id for s in items])
    assert "charger" not in kinds and len(items) == 4
    assert len(set(kinds[1:])) == 3  # one per category: enough categories, so the cap holds


def test_already_bought_is_hidden_for_that_customer(trained_shop: TrainedShop) -> None:
    store = trained_shop.ctx.store
    buyer = next(
        s.event.user_id for s in store.iter_events(types=["purchase"]) if s.event.item_id == "case-001"
    )
    shown = [s.item_id for s in trained_shop.service.complementary(["phone-001"], k=10)]
    assert "case-001" in shown
    hidden = [s.item_id for s in trained_shop.service.complementary(["phone-001"], k=10, user_id=buyer)]
    assert "case-001" not in hidden and len(hidden) == 10
