"""Which categories name the same model as an item: grouped by (line, brand), known answers."""

from __future__ import annotations

import numpy as np

from shelfwise.complements.compat import CompatIndex, ModelNames
from shelfwise.complements.ties import named_categories

NAMES = ModelNames.from_brands(["Apple", "Google", "Samsung"])
CASES, PHONES, TABLETS = 0, 1, 2
CATALOG = [
    ("Case for iPhone 15", None, CASES),
    ("iPhone 15 128GB Blue", "Apple", PHONES),
    ("Case for iPhone 15 Pro", None, CASES),
    ("Case for Pixel 8", None, CASES),
    ("Google Pixel 8 128GB", "Google", PHONES),
    ("Galaxy Tab S24 Cover", None, TABLETS),
    ("Case for Galaxy S24", None, CASES),
    ("Samsung S24 5G 256GB", "Samsung", PHONES),
    ("Desk Lamp", None, TABLETS),
]


def _index() -> tuple[CompatIndex, np.ndarray]:
    models = [NAMES.of_item(title, None, {}, brand) for title, brand, _ in CATALOG]
    return CompatIndex(models), np.array([category for *_, category in CATALOG])


def _item_by_item(index: CompatIndex, category_of: np.ndarray) -> set[tuple[int, int]]:
    """The definition, asked one item at a time."""
    return {
        (item, int(category_of[other]))
        for item, models in enumerate(index.models)
        for other in index.same_model(models)
    }


def test_items_name_the_categories_of_the_items_naming_their_model() -> None:
    index, category_of = _index()
    matrix = named_categories(index, category_of, 3)
    rows, cols = matrix.nonzero()
    pairs = set(zip(rows.tolist(), cols.tolist(), strict=True))
    # The iPhone 15 case and phone name each other (cases and phones); the 15 Pro case only itself.
    assert {c for r, c in pairs if r == 0} == {CASES, PHONES}
    assert {c for r, c in pairs if r == 2} == {CASES}
    # "Galaxy S24" = "Samsung S24", not the "Tab S24"; the lamp names nothing.
    assert {c for r, c in pairs if r == 6} == {CASES, PHONES}
    assert not any(r == 8 for r, _ in pairs)
    assert pairs == _item_by_item(index, category_of)
    assert set(matrix.data.tolist()) == {1.0}
