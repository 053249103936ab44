"""Query understanding on known inputs: prices, units, spelling, brands, colours, categories."""

from __future__ import annotations

import pickle

import pytest

from shelfwise.search.lexicon import Lexicon, SpellingVocabulary, item_colours
from shelfwise.search.query import PriceRange, parse_price, parse_query
from shelfwise.search.text import tokens, unit_tokens


@pytest.mark.parametrize(
    ("text", "low", "high", "rest"),
    [
        ("red running shoes under $50", None, 50.0, "red running shoes"),
        ("shoes below 50 dollars", None, 50.0, "shoes"),
        ("耳机 <50元", None, 50.0, "耳机"),
        ("无线蓝牙耳机 200元以内", None, 200.0, "无线蓝牙耳机"),
        ("lamp between 20 and 40", 20.0, 40.0, "lamp"),
        ("lamp $20-$40", 20.0, 40.0, "lamp"),
        ("drill over 100", 100.0, None, "drill"),
        ("耳机 100元以上", 100.0, None, "耳机"),
    ],
)
def test_price_constraints_are_parsed_and_cut_out(
    text: str, low: float | None, high: float | None, rest: str
) -> None:
    price, remaining = parse_price(text)
    assert price == PriceRange(low, high)
    assert remaining == rest


@pytest.mark.parametrize("text", ["2x4 8ft", "1-1/2 in. pipe", "2 in to 4 in", "10-20v battery"])
def test_sizes_are_not_prices(text: str) -> None:
    assert parse_price(text)[0] is None


def test_units_and_sizes_are_canonical_both_ways() -> None:
    assert {"2x4", "8ft", "96in"} <= set(tokens("2x4 8ft"))
    assert {"2x4", "96in", "8ft"} <= set(tokens("2 in. x 4 in. x 96 in. Stud"))
    assert "1/2in" in unit_tokens("1/2 in. drill bit")
    assert "8ft" in unit_tokens("8' ladder") and "8ft" in unit_tokens("8-foot ladder")
    assert "50ml" in tokens("５０ ml")  # full-width digits


def test_spelling_is_corrected_to_catalog_words_only() -> None:
    vocabulary = SpellingVocabulary()
    for title in ["Cordless Drill", "Pine Plywood Sheet", "Running Shoes"]:
        vocabulary.add(title)
    assert vocabulary.correct("drillls") == "drill"
    assert vocabulary.correct("plyweood") == "plywood"
    assert vocabulary.correct("runing") == "running"
    assert vocabulary.correct("cordlessdrill") == "cordless drill"
    assert vocabulary.correct("drill") is None  # a catalog word stays
    assert vocabulary.correct("xyzzyq") is None


def test_a_vocabulary_saved_without_its_index_rebuilds_the_same_one() -> None:
    vocabulary = SpellingVocabulary()
    for title in ["Cordless Drill", "Pine Plywood Sheet", "Running Shoes", "Oak Sheet Saw"]:
        vocabulary.add(title)
    saved = pickle.loads(pickle.dumps(vocabulary.without_index()))
    assert saved._by_delete is None and saved == vocabulary  # as a snapshot keeps it
    for word in ["drillls", "plyweood", "runing", "cordlessdrill", "sheat", "oaks", "xyzzyq"]:
        assert saved.correct(word) == vocabulary.correct(word)
    assert saved._by_delete == vocabulary._by_delete and "rill" in saved._by_delete  # built once needed
    saved.add("Bench Grinder")  # new items after the snapshot: indexed on top
    assert saved.correct("grindr") == "grinder"
    lean = SpellingVocabulary(vocabulary.frequency, None)
    lean.add("Bench Grinder")  # adding first builds the index of the words already there
    assert lean.correct("drillls") == "drill" and lean.correct("grindr") == "grinder"


def test_brand_colour_and_category_come_from_the_catalog() -> None:
    lexicon = Lexicon()
    lexicon.add_item("DeWalt Drill", "DeWalt", ["Tools", "Drills"], set())
    lexicon.add_item(
        "Nike Running Shoes", "Nike", ["Shoes"], item_colours("Nike Running Shoes", {"color": "Red"})
    )
    parsed = parse_query("red nike shoes under $50", lexicon)
    assert parsed.brands == ("nike",) and parsed.colours == ("red",) and parsed.categories == ("shoes",)
    assert parsed.price == PriceRange(None, 50.0)
    assert parse_query("dewlat drill", lexicon).brands == ("dewalt",)  # misspelt brand
    # A colour no item has is just a word, not a filter.
    assert parse_query("green shoes", lexicon).colours == ()
