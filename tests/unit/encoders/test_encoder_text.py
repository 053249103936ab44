from __future__ import annotations

from shelfwise.domain import Item
from shelfwise.encoders import detect_language, item_text
from shelfwise.encoders.text import DESCRIPTION_CHARS


def test_item_text_puts_title_first_then_brand_category_attributes_description() -> None:
    text = item_text(
        Item(
            item_id="lip-1",
            title="Matte Lipstick",
            brand="Acme",
            category=("Beauty", "Makeup", "Lips"),
            attributes={"shade": "red", "vegan": True, "sizes": ["3 g", "5 g"]},
            description="  Long   lasting. ",
        )
    )
    assert text == (
        "Matte Lipstick. brand: Acme. Beauty > Makeup > Lips. shade: red. sizes: 3 g, 5 g. "
        "vegan: yes. Long lasting."
    )


def test_item_text_with_title_only_and_long_description() -> None:
    assert item_text(Item(item_id="m", title="Plain Mug")) == "Plain Mug"
    long = "word " * 500
    text = item_text(Item(item_id="m", title="Mug", description=long))
    assert text.endswith("…")
    assert len(text) <= len("Mug. ") + DESCRIPTION_CHARS + 1


def test_detect_language() -> None:
    assert detect_language(["Wireless earbuds", "Garden hose, 50 ft"]) == "en"
    assert detect_language(["无线蓝牙耳机", "花园水管 50米"]) == "zh"
    # An English catalog with a few Chinese titles is mixed.
    assert detect_language(["Wireless earbuds"] * 10 + ["无线蓝牙耳机"]) == "multi"
    assert detect_language(["Беспроводные наушники", "wireless earbuds"]) == "multi"
    assert detect_language(["12345", ""]) == "en"
