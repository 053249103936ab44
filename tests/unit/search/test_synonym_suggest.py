"""Synonyms suggested from the search log: reformulations and queries leading to the same purchases."""

from __future__ import annotations

from shelfwise.domain import Event
from shelfwise.search.synonym_suggest import suggest_synonyms


def _session(n: int, steps: list[tuple[str, str | None, str]], gap: float = 10.0) -> list[Event]:
    """One session's (query, item, event type) steps, ``gap`` seconds apart."""
    return [
        Event(f"u{n}", kind, gap * i, item_id=item, query=query, session_id=f"s{n}")
        for i, (query, item, kind) in enumerate(steps)
    ]


def test_a_failed_query_reformulated_into_a_successful_one_is_suggested_one_way() -> None:
    log = []
    for n in range(3):
        log += _session(n, [("couch", "x", "impression"), ("sofa", "sofa-1", "click")])
    log += _session(7, [("couch", "x", "impression"), ("couches", "sofa-1", "click")])  # spelling
    log += _session(8, [("drill", "x", "impression"), ("cordless drill", "d", "click")])  # refinement
    for n in (11, 12):  # too far apart to be one need reworded
        log += _session(n, [("lamp", "x", "impression"), ("desk", "d", "click")], gap=1000.0)
    found = suggest_synonyms(log)
    assert [(s.text, s.two_way, s.support) for s in found] == [("couch => sofa", False, 3)]
    assert "3 sessions" in found[0].evidence


def test_queries_that_lead_to_the_same_purchases_are_suggested_two_way() -> None:
    log = []
    for n, query in enumerate(["tv", "television", "tv", "television", "tv"]):
        log += _session(n, [(query, f"set-{n % 3}", "purchase")])
    log += _session(10, [("remote", "set-0", "purchase")])  # one shared item: below the support
    found = suggest_synonyms(log)
    assert [(s.text, s.two_way) for s in found] == [("television, tv", True)]


def test_known_synonyms_are_not_suggested_again() -> None:
    log = []
    for n in range(3):
        log += _session(n, [("couch", "x", "impression"), ("sofa", "sofa-1", "click")])
    assert suggest_synonyms(log, known=[{"couch", "sofa", "settee"}]) == []
    assert suggest_synonyms(log, min_support=4) == []
