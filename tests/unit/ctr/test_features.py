"""Query features with known values on a three-item catalog."""

from __future__ import annotations

import pytest

from shelfwise.ctr.features import FEATURE_NAMES, Context, ItemSpace, ItemStats, RecentItems, feature_rows
from shelfwise.domain import Item

CATALOG = {
    "drill": Item("drill", "cordless drill"),
    "saw": Item("saw", "cordless saw"),
    "lamp": Item("lamp", "desk lamp"),
}
COLUMN = {name: n for n, name in enumerate(FEATURE_NAMES)}


def _row(query: str, item: str) -> dict[str, float]:
    space = ItemSpace.build(CATALOG, list(CATALOG), None)
    row = feature_rows([item], Context(0, 0, query), RecentItems(), ItemStats(), space)[0]
    return {name: float(row[n]) for name, n in COLUMN.items()}


def test_a_rare_matching_word_weighs_more_than_a_common_one() -> None:
    # "cordless" is in two of three items, "drill" in one: matching "drill" is worth more.
    drill, saw = _row("cordless drill", "drill"), _row("cordless drill", "saw")
    assert drill["query_overlap"] == 1.0 and saw["query_overlap"] == 0.5
    assert drill["query_idf_overlap"] == 1.0
    assert saw["query_idf_overlap"] < 0.5  # the common half of the query
    assert saw["query_missing_words"] == 1 and saw["query_words"] == 2 and saw["item_words"] == 2


def test_a_misspelled_query_still_meets_its_item_through_letter_trigrams() -> None:
    drill, lamp = _row("drils", "drill"), _row("drils", "lamp")
    assert drill["query_overlap"] == 0.0  # no whole word in common
    # "^dr", "dri", "ril" of "^drils$" are in "^drill$"; "ils", "ls$" are not.
    assert drill["query_trigram_overlap"] == pytest.approx(3 / 5)
    assert lamp["query_trigram_overlap"] == 0.0
