"""What fine-tuning learns from: the search log as (query, engaged products, hard negatives), and the
held-out measure it stops on. Fast: the hashing encoder and hand-made vectors."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from shelfwise.domain import Event
from shelfwise.encoders.query_tuning import QueryTuningConfig, held_out_split, mean_reciprocal_rank
from shelfwise.search.behaviour import search_groups
from shelfwise.service.lists import ListService
from shelfwise.training.query_tuning_job import query_log


def _event(n: int, item: str, kind: str, query: str) -> Event:
    return Event(
        user_id=f"u{n}", item_id=item, type=kind, timestamp=float(n), query=query, session_id=f"s{n}"
    )


def test_engaged_products_are_positives_and_unengaged_lexical_hits_hard_negatives(
    make_service: Callable[..., ListService],
) -> None:
    service = make_service()
    engine = service.search_source.engine()
    events = [
        _event(0, "drill-dewalt", "impression", "Cordless Drill"),
        _event(0, "drill-makita", "impression", "Cordless Drill"),
        _event(0, "drill-makita", "click", "Cordless Drill"),
        _event(1, "drill-makita", "purchase", "cordless  drill"),  # same query, other shopper
        _event(2, "shoe-nike", "impression", "running shoes"),  # shown only: nothing learned
    ]
    log = query_log(engine, search_groups(events))
    assert log.queries == ["cordless drill"]
    row = engine.index.row_of
    assert log.positives[0].tolist() == [row["drill-makita"]]
    negatives = set(log.hard_negatives[0].tolist())
    assert row["drill-dewalt"] in negatives  # a word match nobody took
    assert row["drill-makita"] not in negatives
    assert row["pipe-half"] not in negatives  # shares no word with the query
    assert log.pairs == 1


def test_mean_reciprocal_rank_counts_the_best_engaged_item() -> None:
    items = np.eye(4, dtype=np.float32)
    queries = np.array([[0.9, 0.1, 0, 0], [0.1, 0.2, 0.9, 0.3]], dtype=np.float32)
    # Query 0 engaged with items 1 and 3: item 1 is second (rank 2). Query 1 engaged with item 2: first.
    positives = [np.array([1, 3]), np.array([2])]
    assert mean_reciprocal_rank(queries, items, positives) == (1 / 2 + 1) / 2
    assert mean_reciprocal_rank(queries, items, positives, k=1) == (0 + 1) / 2


def test_held_out_queries_are_stable_and_disjoint() -> None:
    queries = [f"query {n}" for n in range(500)]
    config = QueryTuningConfig(held_out_share=0.1, max_held_out=400, min_held_out=20)
    train, held = held_out_split(queries, config)
    assert 25 <= len(held) <= 75 and not set(train) & set(held)
    assert len(train) + len(held) == 500
    again = held_out_split(list(reversed(queries)), config)[1]
    assert {queries[i] for i in held} == {queries[::-1][i] for i in again}
    # Too small to hold out: validated on its training queries.
    small_train, small_held = held_out_split(queries[:30], config)
    assert small_train.tolist() == small_held.tolist() == list(range(30))
