"""The ranker's training rows built most recent customers first: the same rows as in user order
when nothing cuts them, and only the most recent customers' when the deadline does."""

from __future__ import annotations

import numpy as np
import pytest

from shelfwise.engine import LocalEngine
from shelfwise.retrieval import ranker_rows
from shelfwise.retrieval.base import TrainingData
from shelfwise.retrieval.features import CandidateConfig, ItemStatistics
from shelfwise.retrieval.ranker_rows import RowContext, rows_on_engine, rows_recent_first
from shelfwise.retrieval.transitions import TransitionConfig


def _context(data: TrainingData, batch_size: int, until: float = float("inf")) -> RowContext:
    stats = ItemStatistics.fit(data.sequences, data.n_items, TransitionConfig(), CandidateConfig())
    return RowContext(stats, data.item_embeddings, CandidateConfig(), batch_size, None, None, False, until)


def _users(data: TrainingData) -> tuple[list[np.ndarray], np.ndarray]:
    usable = [s for s in data.sequences if len(s) > 1]
    return [s[:-1] for s in usable], np.array([s[-1] for s in usable], dtype=np.int64)


def test_recent_first_rows_come_back_in_user_order(chain_data: TrainingData) -> None:
    histories, targets = _users(chain_data)
    context = _context(chain_data, batch_size=16)
    recency = np.random.default_rng(1).random(len(histories))
    plain = rows_on_engine(LocalEngine(), context, histories, targets)
    recent = rows_recent_first(LocalEngine(), context, histories, targets, recency)
    assert len(plain[2]) > 100  # most targets are among the candidates
    np.testing.assert_array_equal(recent[0], plain[0])
    np.testing.assert_array_equal(recent[1], plain[1])
    assert recent[2] == plain[2]
    np.testing.assert_array_equal(recent[3], plain[3])


def test_a_deadline_keeps_the_most_recent_customers(
    chain_data: TrainingData, monkeypatch: pytest.MonkeyPatch
) -> None:
    histories, targets = _users(chain_data)
    # The clock moves a second per batch and the deadline is half a second away: one batch of 4.
    ticks = iter(range(1_000))
    monkeypatch.setattr(ranker_rows.time, "time", lambda: float(next(ticks)))
    context = _context(chain_data, batch_size=4, until=0.5)
    recency = np.arange(len(histories), dtype=np.float64)  # the last users are the most recent
    _, _, groups, found = rows_recent_first(LocalEngine(), context, histories, targets, recency)
    newest = set(range(len(histories) - 4, len(histories)))
    assert set(np.flatnonzero(found)) <= newest and found.any()
    assert len(groups) == int(found.sum())
