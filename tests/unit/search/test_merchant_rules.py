"""Merchant synonyms and pin / bury / redirect rules, on the tiny catalog of conftest.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from shelfwise.errors import NotFoundError, ValidationError
from shelfwise.search.rules import parse_synonym
from shelfwise.service.lists import ListService
from shelfwise.service.search_rules import SearchRuleService

Make = Callable[..., ListService]


def ids(results: list) -> list[str]:
    return [r.item_id for r in results]


def test_synonym_text_is_parsed_one_way_and_two_way() -> None:
    two = parse_synonym("Couch, sofa ,settee")
    assert two.two_way and two.sources == ["couch", "sofa", "settee"] == two.targets
    one = parse_synonym("tv => television, flat screen")
    assert not one.two_way and one.sources == ["tv"] and one.targets == ["television", "flat screen"]
    for bad in ("sofa", "=> sofa", "tv =>", ""):
        with pytest.raises(ValidationError):
            parse_synonym(bad)


def test_a_two_way_synonym_finds_items_by_the_other_word_both_ways(make_service: Make) -> None:
    service = make_service()
    assert [step.step for step in service.answer("sneakers", k=3).relaxed] == ["semantic"]  # no match
    SearchRuleService(service._ctx).add_synonym("sneakers, running shoes")
    found = service.search("sneakers", k=3)
    assert set(ids(found)) == {"shoe-nike", "shoe-adidas", "shoe-asics"}
    assert "synonym: 'running shoes' for 'sneakers'" in found[0].reasons
    assert service.search_source.engine().parse("running shoes").expansions == ("sneakers",)


def test_a_one_way_synonym_does_not_apply_in_reverse(make_service: Make) -> None:
    service = make_service()
    SearchRuleService(service._ctx).add_synonym("power drill => cordless drill")
    assert service.search_source.engine().parse("power drill").synonyms == {"cordless drill": "power drill"}
    assert service.search_source.engine().parse("cordless drill").expansions == ()


def test_typed_words_outrank_their_synonyms(make_service: Make) -> None:
    service = make_service()
    SearchRuleService(service._ctx).add_synonym("saw, drill")
    assert ids(service.search("dewalt saw", k=2))[0] == "saw-dewalt"
    assert ids(service.search("dewalt drill", k=2))[0] == "drill-dewalt"


def test_pin_bury_and_redirect(make_service: Make) -> None:
    service = make_service()
    rules = SearchRuleService(service._ctx)
    plain = ids(service.search("running shoes", k=3))
    pin = rules.add_query_rule("Running  Shoes", "pin", item_id="pipe-half", position=2)
    bury = rules.add_query_rule("running shoes", "bury", item_id=plain[0])
    answer = service.answer("running shoes", k=3)
    assert ids(answer.items)[1] == "pipe-half"  # brought in though it does not match
    assert answer.items[1].reasons[0] == "promoted by the shop for this search"
    assert ids(answer.items) == [plain[1], "pipe-half", plain[2]]  # the buried item fell off the end
    rules.add_query_rule("running shoes", "redirect", url="/sale/running")
    assert service.answer("running shoes", k=3).redirect == "/sale/running"
    assert service.answer("red running shoes", k=3).redirect is None  # exact query only
    rules.remove(pin.rule_id, ("pin", "bury", "redirect"))
    rules.remove(bury.rule_id, ("pin", "bury", "redirect"))
    assert ids(service.answer("running shoes", k=3).items) == plain


def test_rule_errors(make_service: Make) -> None:
    rules = SearchRuleService(make_service()._ctx)
    with pytest.raises(NotFoundError):
        rules.add_query_rule("shoes", "pin", item_id="no-such-item")
    with pytest.raises(ValidationError):
        rules.add_query_rule("shoes", "redirect")
    with pytest.raises(ValidationError):
        rules.add_query_rule("shoes", "promote", item_id="shoe-nike")
    entry = rules.add_synonym("couch, sofa")
    with pytest.raises(NotFoundError):  # a synonym id is not a query rule
        rules.remove(entry.rule_id, ("pin", "bury", "redirect"))
    assert [e.rule.text for e in rules.synonyms()] == ["couch, sofa"]
