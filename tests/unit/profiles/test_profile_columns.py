"""Profile snapshots built from columns hold what ``ProfileBook.load`` + ``pack`` write, on every
backend: the same customers in the same order, field for field, and the same watermarks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shelfwise.domain import Event, customer_id_for
from shelfwise.profiles.snapshot import change_mark, profile_fields, read_snapshot, resume, write_snapshot
from shelfwise.storage import open_store
from shelfwise.storage.base import Store
from shelfwise.testing.mixed_events import mixed_store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = open_store(store_url)
    yield opened  # type: ignore[misc]
    opened.close()


def _unpacked(path: Path) -> dict[str, dict]:
    snapshot = read_snapshot(path)
    assert snapshot is not None
    return {c: profile_fields(p.unpack(c)) for c, p in snapshot.profiles.items()}


@pytest.mark.parametrize(("seed", "max_items"), [(0, 3), (1, 200), (2, 0)])
def test_snapshot_from_columns_equals_the_full_load(
    store: Store, tmp_path: Path, seed: int, max_items: int
) -> None:
    mixed_store(store, seed=seed)
    store.append_events([("blank", Event("u5", "view", 7.0, item_id="i1", channel=""))])
    expected = write_snapshot(store, tmp_path / "old", max_items)
    got = write_snapshot(store, tmp_path / "new", max_items, (change_mark(store), store.event_columns()))
    assert (got.event_seq, got.stored_events, got.change_seq) == (
        expected.event_seq,
        expected.stored_events,
        expected.change_seq,
    )
    old, new = _unpacked(tmp_path / "old"), _unpacked(tmp_path / "new")
    assert list(new) == list(old)  # same customers, same order
    assert new == old
    for customer in old:
        assert list(new[customer]["channels"]) == list(old[customer]["channels"])  # first seen first
        assert list(new[customer]["verdicts"]) == list(old[customer]["verdicts"])
    # Known answers: u0..u2 are one customer; u12..u14 have no account and no profile.
    merged = new[customer_id_for("u0")]
    assert merged["user_ids"] == ("u0", "u1", "u2") and merged["events"] > 0
    assert customer_id_for("u12") not in new
    assert got.stored_events == 601 and any(p["disliked"] for p in new.values())
    longest = max(len(p["recent"]) for p in new.values())
    assert longest == 3 if max_items == 3 else longest > 3  # capped, or all (0: ``recent[-0:]``)


def test_a_snapshot_from_columns_resumes(store: Store, tmp_path: Path) -> None:
    mixed_store(store, seed=3)
    path = tmp_path / "profiles.snapshot"
    write_snapshot(store, path, 5, (change_mark(store), store.event_columns()))
    store.append_events([("late", Event("u3", "purchase", 1.0, item_id="i2"))])
    book = resume(store, path, 5)
    assert book is not None and book.tail_events == 1
    full = write_snapshot(store, tmp_path / "full", 5)
    assert {p.customer_id: profile_fields(p) for p in book.customers()} == _unpacked(tmp_path / "full")
    assert full.stored_events == 601
