"""Items unpickle field for field (search snapshots pickle every catalog item)."""

from __future__ import annotations

import pickle
from dataclasses import fields

from shelfwise.domain import Item


def _full_item() -> Item:
    return Item(
        "sku-1",
        "Deck stain, 1 gal",
        description="Semi-transparent",
        brand="Behr",
        category=("Outdoors", "Paint"),
        price=39.98,
        currency="USD",
        attributes={"colour": "cedar"},
        image_url="https://example.com/1.jpg",
        in_stock=True,
        created_at=1_700_000_000.0,
    )


def test_item_survives_a_pickle_round_trip() -> None:
    item = _full_item()
    copy = pickle.loads(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))
    assert copy == item and copy is not item
    assert [getattr(copy, f.name) for f in fields(Item)] == [getattr(item, f.name) for f in fields(Item)]


def test_item_state_is_the_field_values_in_order() -> None:
    # The format pickles written before the quicker __setstate__ carry: they must still load.
    item = _full_item()
    state = [getattr(item, f.name) for f in fields(Item)]
    assert item.__getstate__() == state
    blank = Item.__new__(Item)
    blank.__setstate__(state)
    assert blank == item
