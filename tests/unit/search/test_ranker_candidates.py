"""How many candidates the learned ranker scores (``search.ranker_candidates``), with a stand-in
ranker that records what it was given and scores by the fusion column."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from shelfwise.domain import Item
from shelfwise.search.engine import _COL, SearchEngine, _relevant
from shelfwise.service.lists import ListService


class _Recorder:
    def __init__(self) -> None:
        self.seen: list[np.ndarray] = []

    def score(self, features: np.ndarray) -> np.ndarray:
        self.seen.append(features.copy())
        return features[:, _COL["fused"]].astype(np.float32)


def _engine(service: ListService, limit: int) -> tuple[SearchEngine, _Recorder]:
    engine = service.search_source.engine()
    recorder = _Recorder()
    engine.ranker = recorder  # type: ignore[assignment]
    engine.ranker_candidates = limit
    return engine, recorder


def test_the_ranker_scores_the_best_fused_kept_candidates(make_service: Callable[..., ListService]) -> None:
    engine, recorder = _engine(make_service(), 3)
    parsed = engine.parse("drill saw running shoes pipe")
    query, candidates, keep, _ = engine._relaxed(parsed)
    keep &= _relevant(candidates, keep)
    assert keep.sum() > 3  # the limit bites
    kept = np.flatnonzero(keep)
    best = kept[np.argsort(-candidates.fused[kept], kind="stable")[:3]]
    full = engine.features(query, candidates)

    ranked = engine.rank(parsed, k=2)
    (scored,) = recorder.seen
    assert len(scored) == 3
    # The same feature rows as for the whole list: relative features stay relative to all of it.
    np.testing.assert_array_equal(scored, full[np.sort(best)])
    assert set(ranked.rows.tolist()) <= set(candidates.rows[best].tolist())

    engine.ranker_candidates = 0  # every candidate, as before the limit
    engine.rank(parsed, k=2)
    assert len(recorder.seen[-1]) == len(candidates.rows)


def test_never_fewer_than_k(make_service: Callable[..., ListService]) -> None:
    engine, recorder = _engine(make_service(), 1)
    ranked = engine.rank(engine.parse("drill saw running shoes pipe"), k=4)
    assert len(recorder.seen[0]) >= 4 and len(ranked.rows) == 4


def test_items_of_the_named_category_are_chosen_before_better_text_matches(
    make_service: Callable[..., ListService],
) -> None:
    items = [
        Item("driver", "Makita Impact Driver Kit", category=("Tools", "Drills"), price=120.0),
        Item("bits", "Drill Bit Set for Drills, 29 pieces", category=("Accessories",), price=20.0),
        Item("stand", "Drill Press Stand for Drills", category=("Accessories",), price=40.0),
        Item("case", "Hard Case for Cordless Drills", category=("Accessories",), price=15.0),
    ]
    engine, recorder = _engine(make_service(items), 1)
    ranked = engine.rank(engine.parse("drills"), k=1)
    # The category the query names lifts its item to the first tier: the limit keeps it although
    # three titles match the word better.
    assert [engine.index.rows[r].item.item_id for r in ranked.rows.tolist()] == ["driver"]
    assert len(recorder.seen[0]) == 1
