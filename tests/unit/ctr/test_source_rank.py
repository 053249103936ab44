"""The source's rank as a click-model feature: a ranker that knows what the shopper wants keeps its
top item on top through the click stage; a log without ranks still trains and scores."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
from ctr_logs import catalog, log_of

from shelfwise.ctr import ClickExample, fit_click_model
from shelfwise.ctr.features import SOURCE_RANK
from shelfwise.ctr.model import MIN_ROUNDS
from shelfwise.ctr.sweep import sweep
from shelfwise.domain import ScoredItem
from shelfwise.service.click_stage import ClickStage
from shelfwise.service.pipeline import Candidates, ListRequest
from shelfwise.settings import Settings
from shelfwise.settings.rules import PlacementRules

ITEMS = [f"i{n}" for n in range(30)]
EXAMINE = [1.0, 0.85, 0.72, 0.61, 0.52]
# The ranker knows the want: its top item is clicked when examined half the time, the others rarely.
WANT = [0.5, 0.06, 0.06, 0.06, 0.06]


def ranked_log(lists: int = 3000, seed: int = 0) -> list[ClickExample]:
    """Lists of five random items in the source's order, served without a stage (slot = rank);
    a click depends on the rank and the slot only, never on the item."""
    rng = np.random.default_rng(seed)
    examples = []
    for n in range(lists):
        when = n * 60.0
        chosen = rng.choice(len(ITEMS), size=len(EXAMINE), replace=False)
        for rank, index in enumerate(chosen.tolist()):
            clicked = rng.random() < EXAMINE[rank] * WANT[rank]
            examples.append(
                ClickExample(
                    timestamp=when,
                    customer=f"c{n % 50}",
                    item_id=ITEMS[index],
                    position=rank,
                    placement="home",
                    request_id=f"r{n}",
                    clicked_at=when + 5 if clicked else None,
                    source_rank=rank,
                )
            )
    return examples


def stage_of(examples: list[ClickExample]) -> ClickStage:
    model = fit_click_model(log_of(examples, ITEMS))
    assert model is not None
    return ClickStage(model, catalog(ITEMS), ITEMS, log_of([], ITEMS).space.vectors, Settings(), None)


def rescored(stage: ClickStage, order: list[str]) -> list[ScoredItem]:
    candidates = Candidates([ScoredItem(i, 1.0 - n / 100) for n, i in enumerate(order)], PlacementRules(), {})
    return stage.rescore(ListRequest("recommendations", "home"), None, candidates).items


def test_the_stage_keeps_the_top_item_of_a_ranker_that_knows_the_want() -> None:
    stage = stage_of(ranked_log())
    assert stage._model.knows_source_rank
    assert stage._model.metrics["ctr_source_rank_share"] == 1.0
    rng = np.random.default_rng(1)
    for _ in range(20):  # whatever items the source ranks, its first stays first
        order = [ITEMS[i] for i in rng.permutation(len(ITEMS))[:12].tolist()]
        assert rescored(stage, order)[0].item_id == order[0]


def test_source_rank_is_a_feature_where_known_and_missing_where_not() -> None:
    examples = ranked_log(lists=4)
    examples[1] = replace(examples[1], source_rank=None)  # e.g. an impression ingested from a file
    rows = sweep(examples, [], log_of([], ITEMS).space, {"home": 0}).features
    assert np.isnan(rows[1, SOURCE_RANK])
    known = [n for n in range(len(examples)) if n != 1]
    assert rows[known, SOURCE_RANK].tolist() == [examples[n].source_rank for n in known]


def test_a_log_without_source_ranks_still_trains_and_scores() -> None:
    examples = [replace(e, source_rank=None) for e in ranked_log(lists=1500)]
    stage = stage_of(examples)
    assert not stage._model.knows_source_rank
    assert stage._model.metrics["ctr_source_rank_share"] == 0.0
    items = rescored(stage, ITEMS[:12])
    assert sorted(s.item_id for s in items) == sorted(ITEMS[:12])
    assert all(0.0 < s.score < 1.0 for s in items)


def test_rerank_depth_leaves_the_tail_in_the_source_order() -> None:
    stage = stage_of(ranked_log(lists=1500))
    stage._settings = Settings(ctr={"rerank_depth": 3})
    order = ITEMS[:10]
    items = rescored(stage, order)
    assert sorted(s.item_id for s in items[:3]) == order[:3]
    assert [s.item_id for s in items[3:]] == order[3:]


def test_a_fit_that_starts_past_its_deadline_still_boosts_a_model() -> None:
    # `shelfwise train` fits the click model last: an overrun budget must not leave it one tree.
    model = fit_click_model(log_of(ranked_log(lists=1500), ITEMS), deadline=0.0)
    assert model is not None
    assert model.click.booster.current_iteration() >= MIN_ROUNDS


def with_purchases(examples: list[ClickExample], buys: Callable[[ClickExample], bool]) -> list[ClickExample]:
    return [replace(e, purchased_at=e.clicked_at + 5) if e.clicked_at and buys(e) else e for e in examples]


def test_a_conversion_model_worse_than_the_purchase_rate_is_not_used() -> None:
    examples = ranked_log()
    newest = examples[int(len(examples) * 0.8)].timestamp  # the slice that judges the heads
    # Even items were bought after a click, odd ones not; in the newest slice the reverse: what
    # the trees learned is wrong there, and the constant purchase rate beats it.
    flipped = with_purchases(examples, lambda e: (int(e.item_id[1:]) % 2 == 0) == (e.timestamp < newest))
    model = fit_click_model(log_of(flipped, ITEMS))
    assert model is not None and model.conversion is None and model.metrics["cvr_used"] == 0.0
    # The same pattern throughout: a model worth using.
    steady = with_purchases(examples, lambda e: int(e.item_id[1:]) % 2 == 0)
    model = fit_click_model(log_of(steady, ITEMS))
    assert model is not None and model.conversion is not None and model.metrics["cvr_used"] == 1.0


def explored_log(lists: int = 1500, share: float = 0.2, seed: int = 0) -> list[ClickExample]:
    """``ranked_log`` with exploration: each slot, with probability ``share``, shows an item of rank
    5–9 instead (propensity ``share / 5``; a kept slot ``1 − share``)."""
    rng = np.random.default_rng(seed)
    out = []
    for example in ranked_log(lists, seed):
        if rng.random() < share:
            out.append(replace(example, source_rank=int(rng.integers(5, 10)), propensity=share / 5))
        else:
            out.append(replace(example, propensity=1 - share))
    return out


def test_the_model_reports_how_much_of_its_log_was_explored() -> None:
    examples = explored_log()
    explored = sum(e.propensity is not None and e.propensity < 0.5 for e in examples)
    model = fit_click_model(log_of(examples, ITEMS))
    assert model is not None
    assert model.metrics["ctr_explored_share"] == explored / len(examples)
    assert 0.15 < model.metrics["ctr_explored_share"] < 0.25
    assert model.learned_from_exploration
    plain = fit_click_model(log_of(ranked_log(lists=1500), ITEMS))
    assert plain is not None and plain.metrics["ctr_explored_share"] == 0.0
    assert not plain.learned_from_exploration


def slot_asked(stage: ClickStage, serving_slot: str) -> bool:
    """Whether the stage asked its model about each candidate at its source slot (else the top)."""
    asked = {}
    score = stage._model.score

    def spy(*args: object, **kwargs: object) -> tuple[np.ndarray, np.ndarray]:
        asked["at_source_slot"] = kwargs["at_source_slot"]
        return score(*args, **kwargs)  # type: ignore[arg-type]

    stage._model.score = spy  # type: ignore[method-assign]
    stage._settings = Settings(ctr={"serving_slot": serving_slot})
    rescored(stage, ITEMS[:10])
    return bool(asked["at_source_slot"])


def test_auto_serving_asks_about_the_top_slot_only_after_exploration() -> None:
    explored, plain = stage_of(explored_log()), stage_of(ranked_log(lists=1500))
    assert not slot_asked(explored, "auto")
    assert slot_asked(plain, "auto")
    assert slot_asked(explored, "source") and not slot_asked(plain, "top")
