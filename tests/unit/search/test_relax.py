"""No dead ends: queries without an exact match are relaxed step by step, and the answer says how."""

from __future__ import annotations

from collections.abc import Callable

from shelfwise.search.engine import SearchAnswer
from shelfwise.service.lists import ListService

Make = Callable[..., ListService]


def steps(answer: SearchAnswer) -> list[str]:
    return [step.step for step in answer.relaxed]


def test_an_exact_match_relaxes_nothing(make_service: Make) -> None:
    service = make_service()
    answer = service.answer("dewalt cordless drill", k=3)
    assert answer.items[0].item_id == "drill-dewalt" and answer.relaxed == []
    # "red" is in no title, but the red shoes are red (colour attribute): nothing was dropped
    assert service.answer("red running shoes", k=3).relaxed == []


def test_a_typo_with_no_exact_match_gets_results_and_says_what_it_relaxed(make_service: Make) -> None:
    # "cordles" and "dril" are in no title; the default spelling pass fixes "dril" but not "cordles"
    # (it looks like a singular of "cordless"): with no item matching both words, the looser pass does.
    answer = make_service().answer("cordles dril", k=3)
    assert [i.item_id for i in answer.items][:2] == ["drill-dewalt", "drill-makita"]
    assert steps(answer) == ["spelling"]
    assert answer.relaxed[0].detail == "'dril' → 'drill', 'cordles' → 'cordless'"


def test_a_word_no_item_has_is_dropped(make_service: Make) -> None:
    answer = make_service().answer("dewalt hammer drill", k=3)
    assert answer.items[0].item_id == "drill-dewalt"
    assert [(s.step, s.detail) for s in answer.relaxed] == [("dropped", "'hammer'")]


def test_nothing_matching_a_word_falls_back_to_neighbours_and_says_so(make_service: Make) -> None:
    answer = make_service().answer("qwxz", k=3)
    assert answer.items and steps(answer) == ["semantic"]


def test_a_default_spelling_fix_is_reported_too(make_service: Make) -> None:
    answer = make_service().answer("dewalt drillls", k=3)
    assert answer.items[0].item_id == "drill-dewalt"
    assert [(s.step, s.detail) for s in answer.relaxed] == [("spelling", "'drillls' → 'drill'")]


def test_price_is_never_relaxed(make_service: Make) -> None:
    service = make_service()
    answer = service.answer("dewalt drill under $5", k=3)
    assert [i.item_id for i in answer.items] == ["stud-2x4"]  # the only item at most 5
    assert steps(answer) == ["semantic", "brand"]  # no drill or DeWalt item is that cheap
