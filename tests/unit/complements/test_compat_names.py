"""Model names read from text, in the shapes shops write them, with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from shelfwise.complements.compat import CompatIndex, ItemModels, ModelNames
from shelfwise.complements.fresh import FreshComplements
from shelfwise.complements.training import build_complement_model
from shelfwise.domain import Event, Item
from shelfwise.encoders import HashingEncoder
from shelfwise.history import build_item_index

NAMES = ModelNames.from_brands(["Vexo", "Samsung", "Apple", "Google", "小米", "华为", "Shellcraft", "Xiaomi"])

# (title, brand) → (normalised brand, line word, code, variants, as written)
SHAPES = [
    ("Vexo Q9 Smartphone 128GB Graphite", "Vexo", ("vexo", "", "q9", (), "Vexo Q9")),
    ("Samsung Galaxy S24 FE 5G 128GB Mint", "Samsung", ("samsung", "galaxy", "s24", ("fe",), "Samsung Galaxy S24 FE")),
    ("iPhone 15 Pro Max 256GB Natural Titanium", "Apple", ("apple", "iphone", "15", ("pro", "max"), "iPhone 15 Pro Max")),
    ("Google Pixel 8a 128GB Aloe", "Google", ("google", "pixel", "8", ("a",), "Google Pixel 8a")),
    ("小米14 12GB+256GB 黑色", "小米", ("xiaomi", "", "14", (), "小米14")),
    ("华为 Mate 60 Pro 12GB+512GB 雅丹黑", "华为", ("huawei", "mate", "60", ("pro",), "华为 Mate 60 Pro")),
    ("Redmi Note 13 Pro+ 5G", "Xiaomi", ("redmi", "note", "13", ("pro", "plus"), "Redmi Note 13 Pro+")),
    ("小米14 至尊版 16GB+512GB", "小米", ("xiaomi", "", "14", ("ultra",), "小米14 至尊版")),
]  # fmt: skip
# An accessory's text → the model it is for (as written).
TARGETS = [
    ("Case for Vexo Q9, Matte Black", "Vexo Q9"),
    ("Galaxy S24 FE Clear Case, Shockproof", "Galaxy S24 FE"),
    ("Leather Case for iPhone 15 Pro Max", "iPhone 15 Pro Max"),
    ("Pixel 8a Case", "Pixel 8a"),
    ("适用于小米14的手机壳 硅胶 黑色", "小米14"),
    ("华为Mate60手机壳 磨砂 黑色", "华为Mate60"),
    ("Xiaomi 14 Silicone Case", "Xiaomi 14"),
]
NOT_MODELS = [
    "Felted Laptop Sleeve 13 in",  # a size
    "Bluetooth 5.3 Wireless Earbuds",  # a version
    "USB-C 20W Fast Charger, 2-Pack",  # power, pack size
    "Shampoo 300 ml",
    "Running Socks 3-Pack",
    "Desk Lamp 2024 Edition",  # a year
]


@pytest.mark.parametrize(("title", "brand", "expected"), SHAPES, ids=[s[0] for s in SHAPES])
def test_a_phone_title_names_its_model(title: str, brand: str, expected: tuple) -> None:
    (mention,) = NAMES.of_item(title, None, {}, brand).mentions
    assert (mention.brand, mention.line, mention.code, mention.variants, mention.text) == expected


@pytest.mark.parametrize(("text", "model"), TARGETS, ids=[t[0] for t in TARGETS])
def test_an_accessory_names_the_model_it_is_for(text: str, model: str) -> None:
    assert [m.text for m in NAMES.of_item(text, None, {}, "Shellcraft").mentions] == [model]


@pytest.mark.parametrize("text", NOT_MODELS)
def test_sizes_versions_and_quantities_are_not_models(text: str) -> None:
    assert not NAMES.of_item(text, None, {}, None).mentions


def test_description_and_compatibility_attributes_name_models_too() -> None:
    found = NAMES.of_item(
        "Rugged Case, Forest Green", "Made for the Vexo Q9.", {"compatible_with": ["Vexo Q9"]}, None
    )
    assert [(m.text, m.source) for m in found.mentions] == [("Vexo Q9", "attribute")]
    found = NAMES.of_item("Rugged Case, Forest Green", "Made for the Vexo Q9.", {}, None)
    assert [(m.text, m.source) for m in found.mentions] == [("Vexo Q9", "description")]


def _models(*titles: str) -> list[ItemModels]:
    return [NAMES.of_item(title, None, {}, None) for title in titles]


def test_the_same_model_needs_the_same_variants_and_line() -> None:
    index = CompatIndex(
        _models(
            "Case for iPhone 15", "Case for iPhone 15 Pro", "Case for iPhone 15 Pro Max", "Case for Pixel 8",
            "Case for Pixel 8a", "Case for Galaxy S24", "Case for Samsung S24", "Galaxy Tab S24 Cover",
            "适用于华为 Mate 60 的手机壳", "Huawei Mate 60 Pro Case",
        )
    )  # fmt: skip
    assert set(index.same_model(NAMES.of_item("Apple iPhone 15 Pro 256GB", None, {}, "Apple"))) == {1}
    assert set(index.same_model(NAMES.of_item("Google Pixel 8a", None, {}, "Google"))) == {4}
    # "Galaxy S24" = "Samsung S24" (one side has no line word), not the "Tab S24".
    assert set(index.same_model(NAMES.of_item("Samsung Galaxy S24 5G", None, {}, "Samsung"))) == {5, 6}
    assert set(index.same_model(NAMES.of_item("华为 Mate 60 12GB", None, {}, "华为"))) == {8}


def test_a_brand_named_without_a_model_is_a_brand_tie() -> None:
    index = CompatIndex(_models("Vexo 33W Fast Charger", "USB-C 20W Charger", "Case for Vexo Q9"))
    phone = NAMES.of_item("Vexo Q9 Smartphone", None, {}, "Vexo")
    assert set(index.same_brand(phone)) == {0} and set(index.same_model(phone)) == {2}


def test_new_items_get_and_give_complements_from_their_text() -> None:
    """A catalog trained without the Q9; the Q9, its case and a case for another model arrive later."""
    items = [
        Item("p1", "Nimbus X12 Smartphone", brand="Nimbus", category=("Phones",)),
        Item("p2", "Orbita O7 Smartphone", brand="Orbita", category=("Phones",)),
        Item("c1", "Case for Nimbus X12", category=("Cases",)),
        Item("c2", "Case for Orbita O7", category=("Cases",)),
        Item("e1", "Wireless Earbuds", category=("Earbuds",)),
    ]
    events = []
    for n in range(30):
        phone, case = ("p1", "c1") if n % 2 else ("p2", "c2")
        basket = [phone, case] + (["e1"] if n % 3 == 0 else [])
        events += [
            Event(f"u{n}", "purchase", n * 100.0 + k, item_id=i, session_id=f"s{n}")
            for k, i in enumerate(basket)
        ]
    index = build_item_index(items, events)
    encoder = HashingEncoder()
    model = build_complement_model(items, index, events, {}, encoder.encode_batch([i.title for i in items]))
    fresh = FreshComplements(model)
    new = [
        Item("q9", "Vexo Q9 Smartphone 128GB", brand="Vexo", category=("Phones",)),
        Item("q9case", "Protective Case for Vexo Q9"),  # no category: from its nearest texts
        Item("k7case", "Protective Case for Zeta K7", category=("Cases",)),
    ]
    for item in new:
        fresh.add(item, encoder.encode_batch([item.title])[0])
    n = model.n_items
    assert [fresh.position(i.item_id) for i in new] == [n, n + 1, n + 2]
    assert model.category_names[int(fresh.category_of()[n + 1])] == "Cases"
    ids = index.item_ids + fresh.item_ids
    scores = fresh.complement_scores([n])  # the new phone as an anchor
    ranked = [ids[int(j)] for j in np.argsort(-scores, kind="stable")]
    assert ranked[0] == "q9case" and ranked.index("k7case") > ranked.index("e1")
    evidence = fresh.complement_evidence([n], [n + 1])[0]
    assert (evidence[0].kind, evidence[0].text) == ("model_name", "Vexo Q9")
    # A known phone as the anchor: its own case first, the new cases (other models) below the earbuds.
    p1 = index.get("p1")
    scores = fresh.complement_scores([p1])
    ranked = [ids[int(j)] for j in np.argsort(-scores, kind="stable")]
    assert ranked[0] == "c1" and ranked.index("q9case") > ranked.index("e1")
    # Re-adding an edited item replaces it.
    fresh.add(Item("q9case", "Protective Case for Vexo Q9, Black"), encoder.encode_batch(["x"])[0])
    assert len(fresh) == 3 and fresh.title(n + 2) == "Protective Case for Vexo Q9, Black"


def test_numbers_in_prose_are_not_models_unless_written_like_one() -> None:
    prose = "Fitted top in jersey with a round neck. 3 buttons, sizes 1 to 8, adjustable length 40 cm."
    assert not NAMES.of_item("Jersey top", prose, {}, None).mentions
    found = NAMES.of_item("Case, Black", "Slim case made for the Vexo Q9 and the Pixel 8.", {}, None)
    assert [m.text for m in found.mentions] == ["Vexo Q9", "Pixel 8"]


def test_named_categories_are_the_categories_of_the_items_naming_the_same_model() -> None:
    from shelfwise.complements.ties import named_categories

    index = CompatIndex(
        _models("Case for Galaxy S24", "Samsung S24 charger", "Galaxy Tab S24 Cover", "Case for Pixel 8", "Plain mug")
    )  # fmt: skip
    # Categories: 0 cases, 1 chargers, 2 covers, 3 mugs.
    named = named_categories(index, np.array([0, 1, 2, 0, 3]), 4).toarray()
    # "Galaxy S24" and "Samsung S24" are one model, "Galaxy Tab S24" another; the bare "Samsung S24"
    # (no line word) may be either, so the charger ties to both and both to it.
    assert named.tolist() == [
        [1, 1, 0, 0],
        [1, 1, 1, 0],
        [0, 1, 1, 0],
        [1, 0, 0, 0],
        [0, 0, 0, 0],
    ]
