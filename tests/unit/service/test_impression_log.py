"""The server's buffered impression logger: what it writes, when, and what it never loses."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from shelfwise.domain import Impression, ScoredItem, customer_id_for
from shelfwise.service.impression_log import ImpressionLogger
from shelfwise.service.pipeline import RankedList
from shelfwise.storage import Store, open_store


@pytest.fixture
def store() -> Iterator[Store]:
    s = open_store("memory://")
    yield s
    s.close()


def _list(request_id: str, items: str, customer: str | None = "c1", **stamp: Any) -> RankedList:
    scored = tuple(ScoredItem(item, 1.0) for item in items)
    return RankedList(request_id, "recommendations", "home", "v0003", customer, scored, **stamp)


def _logger(store: Store, **options: Any) -> ImpressionLogger:
    options = {"batch_size": 1000, "flush_seconds": 60.0} | options
    logger = ImpressionLogger(lambda: store, owns_store=False, **options)
    logger.start()
    return logger


def test_a_flush_writes_each_item_at_its_position_with_the_lists_stamp(store: Store) -> None:
    logger = _logger(store)
    logger.log(_list("r1", "ab", experiment="e1", variant="treatment"), "web-1")
    logger.log(_list("r2", "c", customer=None), "new-user")  # unknown user: its own customer
    logger.log(_list("r3", ""), "web-1")  # nothing shown, nothing logged
    assert logger.flush()
    rows = list(store.iter_impressions())
    assert [(i.request_id, i.item_id, i.position) for i in rows] == [
        ("r1", "a", 0),
        ("r1", "b", 1),
        ("r2", "c", 0),
    ]
    assert rows[0] == Impression(
        "r1", "a", 0, "home", rows[0].timestamp, "web-1", "c1", "v0003", "e1", "treatment", None, "server"
    )
    assert rows[2].customer_id == customer_id_for("new-user")
    logger.stop()


def test_each_impression_logs_the_rank_its_source_gave_the_item(store: Store) -> None:
    logger = _logger(store)
    # The click stage moved "c" (the source's third) to the top; "x" was added after the source.
    logger.log(_list("r1", "cabx", source_ranks={"a": 0, "b": 1, "c": 2}), "web-1")
    assert logger.flush()
    rows = list(store.iter_impressions())
    assert [(i.item_id, i.position, i.source_rank) for i in rows] == [
        ("c", 0, 2),
        ("a", 1, 0),
        ("b", 2, 1),
        ("x", 3, None),
    ]
    logger.stop()


def test_a_full_batch_is_written_without_waiting_for_the_timer(store: Store) -> None:
    logger = _logger(store, batch_size=3)
    logger.log(_list("r1", "abc"), "u")
    deadline = time.monotonic() + 10
    while logger.written < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert logger.written == 3  # the timer alone would have waited a minute
    logger.stop()


def test_stop_writes_everything_still_buffered(store: Store) -> None:
    logger = _logger(store)
    for n in range(50):
        logger.log(_list(f"r{n}", "abcd"), "u")
    logger.stop()
    assert len(list(store.iter_impressions())) == 200 and logger.pending == 0


class _FailingOnce:
    """A store whose first write fails (the database was away for a moment)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.failures = 1

    def append_impressions(self, rows: list[Impression]) -> int:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database away")
        return self._store.append_impressions(rows)


def test_a_failed_write_keeps_its_rows_for_the_next_try(store: Store) -> None:
    flaky = _FailingOnce(store)
    logger = ImpressionLogger(lambda: flaky, batch_size=1000, flush_seconds=60.0, owns_store=False)  # type: ignore[arg-type, return-value]
    logger.start()
    logger.log(_list("r1", "ab"), "u")
    logger.flush()
    assert list(store.iter_impressions()) == [] and logger.pending == 2
    logger.flush()
    assert len(list(store.iter_impressions())) == 2 and logger.pending == 0
    logger.stop()


def test_forget_drops_the_buffered_lists_of_a_customer_or_account(store: Store) -> None:
    logger = _logger(store)
    logger.log(_list("r1", "ab", customer="c1"), "web-1")
    logger.log(_list("r2", "c", customer="c2"), "app-2")
    logger.log(_list("r3", "d", customer=None), "anon-3")
    assert logger.forget(["c1"], ["anon-3"]) == 3
    logger.stop()
    assert [i.request_id for i in store.iter_impressions()] == ["r2"]


def test_a_full_buffer_drops_the_oldest_lists_and_counts_them(store: Store) -> None:
    logger = ImpressionLogger(
        lambda: store, batch_size=1000, flush_seconds=60.0, buffer_max=4, owns_store=False
    )
    for n in range(4):  # not started: nothing drains the buffer
        logger.log(_list(f"r{n}", "ab"), "u")
    assert logger.pending == 4 and logger.dropped == 4
    logger.start()
    logger.stop()
    assert [i.request_id for i in store.iter_impressions()] == ["r2", "r2", "r3", "r3"]
