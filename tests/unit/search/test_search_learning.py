"""Learning from a search log: the learned re-ranker moves order in the logged direction."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from shelfwise.domain import Event, Item
from shelfwise.search.ranker import SearchRanker
from shelfwise.service.lists import ListService
from shelfwise.training.search_job import fit_search

ITEMS = [
    Item("a", "Cordless Drill 20V Kit", price=99.0),
    Item("b", "Cordless Drill Driver Set", price=89.0),
    Item("c", "Cordless Drill and Impact Combo", price=149.0),
    Item("d", "Garden Hose 50 ft", price=25.0),
]


def _log(favourite: str, sessions: int = 40) -> list[tuple[str, Event]]:
    """Every session sees all drills after a drill query and buys ``favourite``."""
    events = []
    queries = ["cordless drill", "drill", "drill set", "cordless drills"]
    for s in range(sessions):
        query = queries[s % len(queries)]
        for n, item in enumerate(["a", "b", "c"]):
            events.append(
                Event(
                    user_id=f"u{s}",
                    item_id=item,
                    type="impression",
                    timestamp=s * 10.0 + n,
                    query=query,
                    session_id=f"s{s}",
                )
            )
        for kind in ("click", "purchase"):
            events.append(
                Event(
                    user_id=f"u{s}",
                    item_id=favourite,
                    type=kind,
                    timestamp=s * 10.0 + 5,
                    query=query,
                    session_id=f"s{s}",
                )
            )
    return [(f"e{n}", e) for n, e in enumerate(events)]


def test_learned_reranker_follows_the_log(make_service: Callable[..., ListService], tmp_path: Path) -> None:
    service = make_service(ITEMS)
    before = [r.item_id for r in service.search("cordless drill", k=3)]
    favourite = before[-1]  # the item fusion ranks last among the drills
    service._ctx.store.append_events(_log(favourite))
    metrics = fit_search(service._ctx.settings, service._ctx.store, tmp_path / "search", progress=False)
    assert metrics["search_groups"] >= 30
    ranker = SearchRanker.load(tmp_path / "search")
    assert ranker is not None
    engine = service.search_source.engine()
    engine.ranker = ranker
    assert service.search("cordless drill", k=1)[0].item_id == favourite
    assert service.explain_search("cordless drill")["ranker"].startswith("learned")


def test_training_skips_without_a_search_log(
    make_service: Callable[..., ListService], tmp_path: Path
) -> None:
    service = make_service(ITEMS)
    service._ctx.store.append_events([("p", Event(user_id="u", item_id="a", type="purchase", timestamp=1.0))])
    assert fit_search(service._ctx.settings, service._ctx.store, tmp_path / "search", progress=False) == {}
    assert SearchRanker.load(tmp_path / "search") is None
    assert service.search("drill", k=1)  # search still works, unlearned


def test_training_stops_at_its_deadline(make_service: Callable[..., ListService], tmp_path: Path) -> None:
    service = make_service(ITEMS)
    service._ctx.store.append_events(_log("c"))
    store, settings = service._ctx.store, service._ctx.settings
    # The budget is spent before the step starts: no search is replayed, no ranker is written ...
    spent = time.monotonic()
    assert fit_search(settings, store, tmp_path / "late", progress=False, deadline=spent) == {}
    assert SearchRanker.load(tmp_path / "late") is None
    # ... while time left trains on the whole log.
    ahead = time.monotonic() + 600
    metrics = fit_search(settings, store, tmp_path / "ok", progress=False, deadline=ahead)
    assert metrics["search_groups"] >= 30
