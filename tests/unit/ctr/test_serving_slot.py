"""Where the click stage asks about a candidate: "attraction" divides the click probability at the
source's slot by that slot's examination, so on a log where clicks are examination × attraction the
stage orders by attraction (known answer), while "source" keeps the examination of the slot in."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from ctr_logs import catalog, click_log, log_of

from shelfwise.ctr import ClickExample, fit_click_model
from shelfwise.ctr.fit import position_curve
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


def stage(serving_slot: str, propensity: float | None = None) -> ClickStage:
    def shuffled(rng: np.random.Generator) -> list[str]:
        return [ITEMS[i] for i in rng.permutation(len(ITEMS))[: len(EXAMINE)].tolist()]

    examples = click_log(ATTRACT, EXAMINE, shuffled, lists=2000)
    # Served without a stage: each item's source rank is its slot.
    logged = [replace(e, source_rank=e.position, propensity=propensity) for e in examples]
    model = fit_click_model(log_of(logged, ITEMS))
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


def confounded_log(lists: int = 4000, share: float = 0.2, seed: int = 0) -> list[ClickExample]:
    """Lists of ten slots examined with 0.8^slot. A kept slot shows the ranker's item for that slot,
    wanted with probability 0.3 at the top falling to 0.03 at the bottom (what a good ranker puts
    high is wanted more); an explored slot (probability ``share``, propensity logged) shows a random
    item of attraction 0.05 whatever the slot."""
    rng = np.random.default_rng(seed)
    examples = []
    for n in range(lists):
        when = n * 60.0
        for slot in range(10):
            explored = rng.random() < share
            attraction = 0.05 if explored else 0.3 - 0.03 * slot
            clicked = rng.random() < 0.8**slot * attraction
            examples.append(
                ClickExample(
                    timestamp=when,
                    customer=f"c{n}",
                    item_id=f"x{rng.integers(200)}" if explored else f"k{slot}-{rng.integers(20)}",
                    position=slot,
                    placement="home",
                    request_id=f"r{n}",
                    clicked_at=when + 5 if clicked else None,
                    source_rank=10 + int(rng.integers(20)) if explored else slot,
                    propensity=share / 20 if explored else 1 - share,
                )
            )
    return examples


def test_the_examination_curve_comes_from_explored_slots_where_the_ranker_cannot_bias_it() -> None:
    examples = confounded_log()
    truth = [0.8**p for p in range(10)]
    curve = position_curve(examples)[:10]
    assert max(abs(c - t) for c, t in zip(curve, truth, strict=True)) < 0.06
    # Without the propensities the alternating fit over all slots mistakes the ranker's order for
    # examination: the bottom slot looks far less examined than it is.
    blind = position_curve([replace(e, propensity=None) for e in examples])[:10]
    assert blind[9] < 0.6 * truth[9]


def test_attraction_divides_a_candidate_below_the_log_by_the_deepest_slot_shown() -> None:
    # The shuffled log is random in every slot: logged as explored, its curve is the geometric fit,
    # which goes on falling below slot 9 where the log has nothing. A candidate ranked 19 is answered
    # as if in slot 9 (trees do not extrapolate), so it must be divided by slot 9's examination, not
    # by 0.85^19: otherwise every weak item ranked 15–19 would look several times more attractive.
    explored = stage("attraction", propensity=0.01)
    assert explored._model.learned_from_exploration
    assert sorted(order(explored, STRONG + WEAK)[:10]) == sorted(STRONG)
