"""``train`` reads every event once, column-wise (issue 12): one ``event_columns`` call shared by
the audit, the histories and the live profiles, no pass of ``iter_events`` over every event or
over the history types, and the profiles it publishes are those a full ``ProfileBook`` load writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shelfwise.history import HISTORY_TYPES
from shelfwise.profiles.snapshot import PROFILES_FILE, profile_fields, read_snapshot, write_snapshot
from shelfwise.service.context import ServiceContext
from shelfwise.service.ingest import IngestService
from shelfwise.settings import Settings
from shelfwise.storage.sqlite import SQLiteStore
from shelfwise.testing.files import jsonl_file
from shelfwise.training.job import TrainOptions, train


def _shop(tmp_path: Path) -> ServiceContext:
    ctx = ServiceContext(Settings(home=tmp_path / "home"))
    items = jsonl_file(
        tmp_path / "items.jsonl", [{"item_id": f"i{n}", "title": f"Item {n}"} for n in range(20)]
    )
    rows = [
        {"user_id": f"u{u}", "item_id": f"i{(u * 3 + s) % 20}", "type": ("view", "purchase")[s % 2],
         "timestamp": 1000 * u + s, "channel": ("web", "app")[u % 2]}
        for u in range(60)
        for s in range(3 + u % 5)
    ]  # fmt: skip
    events = jsonl_file(tmp_path / "events.jsonl", rows)
    IngestService(ctx).ingest_file("items", items)
    IngestService(ctx).ingest_file("events", events)
    return ctx


def _fields(path: Path) -> dict[str, Any]:
    snapshot = read_snapshot(path)
    assert snapshot is not None
    marks = (snapshot.event_seq, snapshot.change_seq, snapshot.stored_events)
    return {"marks": marks} | {c: profile_fields(p.unpack(c)) for c, p in snapshot.profiles.items()}


def test_train_reads_the_events_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = _shop(tmp_path)
    reads: list[str] = []
    columns, rows = SQLiteStore.event_columns, SQLiteStore.iter_events

    def counted_columns(self: SQLiteStore) -> Any:
        reads.append("columns")
        return columns(self)

    def counted_rows(
        self: SQLiteStore, types: Any = None, user_ids: Any = None, with_query: bool = False
    ) -> Any:
        types = None if types is None else list(types)
        if user_ids is None and not with_query and (types is None or set(types) >= set(HISTORY_TYPES)):
            reads.append(f"iter_events({types})")  # a pass over every event (or every history event)
        return rows(self, types, user_ids, with_query)

    monkeypatch.setattr(SQLiteStore, "event_columns", counted_columns)
    monkeypatch.setattr(SQLiteStore, "iter_events", counted_rows)
    options = TrainOptions(seed=0, max_minutes=20.0, progress=False, encoder="fake", model="transitions")
    version = train(ctx.settings, ctx.store, options)
    assert reads == ["columns"]
    monkeypatch.undo()
    # The published profiles are what the full load (one Event per row) writes.
    expected = write_snapshot(ctx.store, tmp_path / "full", ctx.settings.serve.profile_max_items)
    assert expected.stored_events == 60 * 3 + sum(u % 5 for u in range(60))
    assert _fields(version / PROFILES_FILE) == _fields(tmp_path / "full")
