"""Where the click stage asks about a candidate: "attraction" divides the click probability at the
source's slot by that slot's examination, so on a log where clicks are examination × attraction the
stage orders by attraction (known answer), while "source" keeps the examination of the slot in."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from ctr_logs import catalog, click_log, log_of

from shelfwise.ctr import fit_click_model
from shelfwise.domain import ScoredItem
from shelfwise.service.click_stage import ClickStage
from shelfwise.service.pipeline import Candidates, ListRequest
from shelfwise.settings import Settings
from shelfwise.settings.rules import PlacementRules

WEAK = [f"w{n}" for n in range(10)]  # attraction 0.2
STRONG = [f"s{n}" for n in range(10)]  # attraction 0.3
ITEMS = WEAK + STRONG
ATTRACT = {**{i: 0.2 for i in WEAK}, **{i: 0.3 for i in STRONG}}
EXAMINE = [0.85**p for p in range(10)]


def stage(serving_slot: str) -> ClickStage:
    def shuffled(rng: np.random.Generator) -> list[str]:
        return [ITEMS[i] for i in rng.permutation(len(ITEMS))[: len(EXAMINE)].tolist()]

    examples = click_log(ATTRACT, EXAMINE, shuffled, lists=2000)
    # Served without a stage: each item's source rank is its slot.
    model = fit_click_model(log_of([replace(e, source_rank=e.position) for e in examples], ITEMS))
    assert model is not None and model.knows_source_rank
    settings = Settings(ctr={"serving_slot": serving_slot})
    return ClickStage(model, catalog(ITEMS), ITEMS, log_of([], ITEMS).space.vectors, settings, None)


def order(stage: ClickStage, candidates: list[str]) -> list[str]:
    ranked = Candidates(
        [ScoredItem(i, 1.0 - n / 100) for n, i in enumerate(candidates)], PlacementRules(), {}
    )
    return [s.item_id for s in stage.rescore(ListRequest("recommendations", "home"), None, ranked).items]


def test_attraction_orders_by_attraction_and_source_keeps_the_slot_in() -> None:
    # The source puts five weak items above five strong ones. At its slot, the first weak item
    # (0.2 × 1) beats the best-placed strong one (0.3 × 0.85^5 = 0.13); over the examination, every
    # strong item (0.3) beats every weak one (0.2).
    candidates = WEAK[:5] + STRONG[:5]
    assert sorted(order(stage("attraction"), candidates)[:5]) == sorted(STRONG[:5])
    assert order(stage("source"), candidates)[0] in WEAK
