"""The search log's behaviour statistics saved with the index: reused while the log is unchanged,
read again (same statistics as a fresh read) once a search event, a return or a forget came."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_snapshot import CATALOG, _settings, _store

from shelfwise.domain import Event
from shelfwise.search import factory
from shelfwise.search.behaviour import BehaviourStats
from shelfwise.search.factory import behaviour_of, build_engine, write_snapshot
from shelfwise.search.snapshot import LogMark
from shelfwise.storage.base import Store

_keys = iter(range(10**9))


def _log(store: Store, user: str, query: str, item: str, kind: str, at: float) -> None:
    event = Event(user, kind, at, item_id=item, query=query, session_id=f"s-{user}", channel="web")
    store.append_events([(f"k{next(_keys)}", event)])


def _mark(store: Store) -> LogMark:
    seq = max((s.seq for s in store.iter_events()), default=0)
    changes = store.changes_after(0)
    return LogMark(seq, changes[-1].seq if changes else 0, store.count_events())


def _plain(stats: BehaviourStats) -> dict:
    """The statistics as comparable values (arrays as lists)."""
    return {
        "query_item": {k: v.tolist() for k, v in stats.query_item.items()},
        "term_item": {k: dict(v) for k, v in stats.term_item.items()},
        "term_groups": dict(stats.term_groups),
        "term_category": {k: dict(v) for k, v in stats.term_category.items()},
        "item_search": {k: v.tolist() for k, v in stats.item_search.items()},
        "groups": stats.groups,
    }


def _seeded(tmp_path: Path) -> tuple[Store, Path]:
    settings, store = _settings(tmp_path), _store(tmp_path, CATALOG)
    _log(store, "ann", "cordless drill", "drill-dewalt", "click", 1.0)
    _log(store, "ann", "cordless drill", "drill-dewalt", "purchase", 2.0)
    _log(store, "bob", "running shoes", "shoe-nike", "impression", 3.0)
    _log(store, "bob", "running shoes", "shoe-asics", "click", 4.0)
    store.append_events([(f"k{next(_keys)}", Event("cid", "view", 5.0, item_id="saw-dewalt"))])
    write_snapshot(settings, store, tmp_path / "snap", mark=_mark(store))
    return store, tmp_path / "snap"


def test_saved_statistics_are_used_while_the_log_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, snap = _seeded(tmp_path)
    fresh, _ = build_engine(_settings(tmp_path), store)
    # Events without a query (a view, a purchase off search) leave the statistics as they were.
    store.append_events([(f"k{next(_keys)}", Event("dee", "purchase", 6.0, item_id="stud-2x4"))])

    def unread(*_: object) -> None:
        raise AssertionError("the search log was read again")

    monkeypatch.setattr(factory, "behaviour_of", unread)
    engine, _ = build_engine(_settings(tmp_path), store, snapshot=snap)
    assert _plain(engine.behaviour) == _plain(fresh.behaviour)
    assert engine.behaviour.groups == 2 and engine.behaviour.query_item  # the statistics say something


@pytest.mark.parametrize("change", ["search event", "return", "forget", "deleted events"])
def test_a_changed_log_is_read_again(tmp_path: Path, change: str) -> None:
    store, snap = _seeded(tmp_path)
    if change == "search event":
        _log(store, "eve", "copper pipe", "pipe-half", "purchase", 7.0)
    elif change == "return":
        store.append_events([(f"k{next(_keys)}", Event("ann", "return", 8.0, item_id="drill-dewalt"))])
    elif change == "forget":
        store.record_change("forget", "bob")
    else:
        store.delete_events_of(["bob"])
    engine, _ = build_engine(_settings(tmp_path), store, snapshot=snap)
    expected = behaviour_of(store, engine.index)
    assert _plain(engine.behaviour) == _plain(expected)
    saved = factory.saved_behaviour(store, snap)
    assert saved is None


def test_an_item_written_since_reads_the_log_again(tmp_path: Path) -> None:
    from shelfwise.domain import Item

    store, snap = _seeded(tmp_path)
    store.upsert_items([Item("drill-dewalt", "DeWalt 20V Drill", category=("Tools", "Cordless Drills"))])
    engine, _ = build_engine(_settings(tmp_path), store, snapshot=snap)
    assert _plain(engine.behaviour) == _plain(behaviour_of(store, engine.index))
    assert "cordless drills" in {c for v in engine.behaviour.term_category.values() for c in v}


def test_damaged_statistics_are_read_again(tmp_path: Path) -> None:
    store, snap = _seeded(tmp_path)
    (snap / "behaviour.pickle").write_bytes(b"\x80\x05broken")
    assert factory.saved_behaviour(store, snap) is None
    engine, _ = build_engine(_settings(tmp_path), store, snapshot=snap)
    assert engine.behaviour.groups == 2
    assert np.isfinite(engine.behaviour.item_search[engine.index.row_of["shoe-asics"]]).all()


def test_saved_popularity_is_used_only_while_no_event_came_after_the_mark(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, snap = _seeded(tmp_path)
    fresh, _ = build_engine(_settings(tmp_path), store)
    assert fresh.popularity[fresh.index.row_of["saw-dewalt"]] == 1  # the view counts
    counted: list[bool] = []
    count = factory.popularity_of
    monkeypatch.setattr(factory, "popularity_of", lambda *a: counted.append(True) or count(*a))
    engine, _ = build_engine(_settings(tmp_path), store, snapshot=snap)
    assert counted == [] and np.array_equal(engine.popularity, fresh.popularity)
    # Any newer event (a view: the search statistics stay saved) counts the store again.
    store.append_events([(f"k{next(_keys)}", Event("dee", "view", 6.0, item_id="saw-dewalt"))])
    engine, _ = build_engine(_settings(tmp_path), store, snapshot=snap)
    assert counted == [True] and engine.popularity[engine.index.row_of["saw-dewalt"]] == 2
    stats = factory.saved_statistics(store, snap)
    assert stats is not None and stats[1] is None and _plain(stats[0]) == _plain(fresh.behaviour)
