"""The request pipeline records each candidate's rank in the source's list before a re-scoring
stage reorders them (what impressions log as ``source_rank``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from shelfwise.domain import ScoredItem
from shelfwise.profiles import CustomerProfile
from shelfwise.service.pipeline import Candidates, Customers, ListRequest, RequestPipeline
from shelfwise.settings.rules import PlacementRules
from shelfwise.storage import Store, open_store

SOURCE_ORDER = ["a", "b", "c", "d"]


class Source:
    def candidates(self, request: ListRequest, customer: CustomerProfile | None) -> Candidates:
        items = [ScoredItem(i, 1.0 - n / 10) for n, i in enumerate(SOURCE_ORDER)]
        return Candidates(items, PlacementRules(), {})

    def explain(
        self, request: ListRequest, customer: CustomerProfile | None, chosen: list[ScoredItem], c: Candidates
    ) -> list[ScoredItem]:
        return chosen


class Reverse:
    name = "click"

    def applies(self, request: ListRequest) -> bool:
        return True

    def rescore(
        self, request: ListRequest, customer: CustomerProfile | None, candidates: Candidates
    ) -> Candidates:
        return replace(candidates, items=list(reversed(candidates.items)))


@pytest.fixture
def store() -> Iterator[Store]:
    s = open_store("memory://")
    yield s
    s.close()


def test_the_list_keeps_the_sources_ranks_of_what_a_stage_reordered(store: Store) -> None:
    pipeline = RequestPipeline("v1", {"recommendations": Source()}, Customers(store), stages=[Reverse()])
    request = ListRequest("recommendations", "home", k=3, apply_rules=False)
    ranked = pipeline.run(request)
    assert [s.item_id for s in ranked.items] == ["d", "c", "b"]
    assert [ranked.source_ranks[s.item_id] for s in ranked.items] == [3, 2, 1]
    # Without the stage (an experiment's control) the rank is the slot.
    plain = pipeline.run(replace(request, stages_off=frozenset({"click"})))
    assert [plain.source_ranks[s.item_id] for s in plain.items] == [0, 1, 2]
