"""New phones find their own cases, before and after training, whatever shape their model names take.

The shop (phone_shop.py) is trained through ``shelfwise.training.job.train`` (fake encoder,
transitions model), then asked through ``ListService.complementary``, the code behind
``shelfwise complementary``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shelfwise.service.context import ServiceContext
from shelfwise.service.ingest import IngestService
from shelfwise.service.lists import ListService
from shelfwise.settings import Settings
from shelfwise.testing.phone_shop import CASES, NEW_PHONES, WARM_PHONES, PhoneShop, generate_phone_shop
from shelfwise.training.job import TrainOptions, train

# (phone, its sibling): a case for one must not be offered for the other above the other's own case.
SIBLINGS = [
    ("iphone-15", "iphone-15-pro"),
    ("iphone-15-pro", "iphone-15-pro-max"),
    ("pixel-8", "pixel-8-pro"),
    ("pixel-8", "pixel-8a"),
    ("galaxy-s24", "galaxy-s24-fe"),
    ("galaxy-s24", "galaxy-s24-ultra"),
    ("mi-13", "mi-13-pro"),
    ("mate-50", "mate-50-pro"),
    ("mate-60", "mate-60-pro"),
]
VEXO_CHARGER = {
    "item_id": "charger-vexo",
    "title": "Vexo 33W Fast Charger",
    "brand": "Vexo",
    "category": "Electronics > Phone Accessories > Chargers",
    "price": 29.0,
    "attributes": {"compatible_with": ["Vexo Q9"]},
}


def _train(root: Path, shop: PhoneShop, leave_out: set[str]) -> ServiceContext:
    items, events = shop.write(root / "data")
    trained = [row for row in shop.items if row["item_id"] not in leave_out]
    items.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in trained))
    ctx = ServiceContext(Settings(home=root / "home", search={"encoder": "fake"}))
    ingest = IngestService(ctx)
    ingest.ingest_file("items", items)
    ingest.ingest_file("events", events)
    train(
        ctx.settings,
        ctx.store,
        TrainOptions(seed=0, max_minutes=1, progress=False, encoder="fake", model="transitions"),
    )
    return ctx


@pytest.fixture(scope="module")
def shop() -> PhoneShop:
    return generate_phone_shop()


@pytest.fixture(scope="module")
def trained_with_new_phones(tmp_path_factory: pytest.TempPathFactory, shop: PhoneShop) -> ListService:
    """The new phones are in the catalog at training time, with no behaviour at all."""
    ctx = _train(tmp_path_factory.mktemp("phones-in-catalog"), shop, set())
    return ListService(ctx)


@pytest.fixture(scope="module")
def posted_after_training(tmp_path_factory: pytest.TempPathFactory, shop: PhoneShop) -> ListService:
    """The new phones, their cases and a Vexo charger arrive after the last training."""
    root = tmp_path_factory.mktemp("phones-after-training")
    new_ids = {p.item_id for p in NEW_PHONES} | {c for p in NEW_PHONES for c in shop.cases_of[p.item_id]}
    ctx = _train(root, shop, new_ids)
    later = root / "later.jsonl"
    rows = [row for row in shop.items if row["item_id"] in new_ids] + [VEXO_CHARGER]
    later.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    IngestService(ctx).ingest_file("items", later)
    return ListService(ctx)  # a fresh service, as a one-off CLI call makes


def _top(service: ListService, item_id: str, k: int = 3) -> list[str]:
    return [s.item_id for s in service.complementary([item_id], k=k)]


@pytest.mark.parametrize("phone", NEW_PHONES, ids=lambda p: p.name)
def test_a_new_phone_gets_its_own_case_in_its_top_3(trained_with_new_phones: ListService, phone) -> None:
    items = trained_with_new_phones.complementary([phone.item_id], k=3)
    own = [s for s in items if s.item_id in {f"case-{phone.item_id}-0"}]
    assert own, (phone.name, [s.item_id for s in items])
    assert any(r.startswith("fits ") for r in own[0].reasons), own[0].reasons


@pytest.mark.parametrize("phone", NEW_PHONES, ids=lambda p: p.name)
def test_a_phone_posted_after_training_gets_its_own_case(posted_after_training: ListService, phone) -> None:
    assert f"case-{phone.item_id}-0" in _top(posted_after_training, phone.item_id)


def test_the_reason_names_the_model_as_the_shop_writes_it(trained_with_new_phones: ListService) -> None:
    reasons = {s.item_id: s.reasons for s in trained_with_new_phones.complementary(["vexo-q9"], k=3)}
    assert "fits Vexo Q9 (same model in the title)" in reasons["case-vexo-q9-0"]
    reasons = {s.item_id: s.reasons for s in trained_with_new_phones.complementary(["mi-14"], k=3)}
    assert "fits 小米14 (same model in the title)" in reasons["case-mi-14-0"]


@pytest.mark.parametrize(("phone", "sibling"), SIBLINGS + [(b, a) for a, b in SIBLINGS])
def test_a_siblings_case_ranks_below_the_phones_own_case(
    trained_with_new_phones: ListService, shop: PhoneShop, phone: str, sibling: str
) -> None:
    ranked = _top(trained_with_new_phones, phone, k=30)
    own = min(ranked.index(c) for c in shop.cases_of[phone] if c in ranked)
    theirs = [ranked.index(c) for c in shop.cases_of[sibling] if c in ranked]
    assert all(position > own for position in theirs), (phone, ranked[: own + 1], theirs)


def test_substitutes_rank_below_the_real_accessories(
    trained_with_new_phones: ListService, shop: PhoneShop
) -> None:
    phones = {p.item_id for p in WARM_PHONES + NEW_PHONES}
    cases = {row["item_id"] for row in shop.items if row["category"] == CASES}
    for phone in [*WARM_PHONES, *NEW_PHONES]:
        top = _top(trained_with_new_phones, phone.item_id, k=5)
        assert not phones & set(top), (phone.name, top)
        others = [item for item in top if item in cases and item not in shop.cases_of[phone.item_id]]
        assert not others, (phone.name, top)  # other models' cases: below the charger and the earbuds


def test_a_case_posted_after_training_leads_to_its_phones_charger(
    posted_after_training: ListService,
) -> None:
    items = posted_after_training.complementary(["case-vexo-q9-0"], k=5)
    ids = [s.item_id for s in items]
    assert "charger-vexo" in ids, ids
    charger = items[ids.index("charger-vexo")]
    assert "fits Vexo Q9 (listed as compatible)" in charger.reasons
    # And a phone the model knows does not get the new phone's case: it is made for another model.
    assert not {f"case-{p.item_id}-0" for p in NEW_PHONES} & set(
        _top(posted_after_training, "iphone-15", k=5)
    )


def test_a_bundle_for_a_new_phone_holds_its_case(posted_after_training: ListService) -> None:
    bundle = posted_after_training.bundle(["vexo-q9"], size=3)
    assert "case-vexo-q9-0" in [s.item_id for s in bundle.items]
    assert bundle.total_price is not None
