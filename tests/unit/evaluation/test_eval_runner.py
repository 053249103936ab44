"""End to end: a known scorer on a toy split, then the written report parses."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from shelfwise.evaluation.report import load_report, write_report
from shelfwise.evaluation.runner import evaluate_scores
from shelfwise.evaluation.splits import LeaveOneOutSplit, leave_one_out

N_ITEMS = 30


def next_item_scorer(histories: list[np.ndarray]) -> np.ndarray:
    """Perfect for sequences i, i+1, i+2, ...: scores item last+1 highest, then by closeness."""
    scores = np.zeros((len(histories), N_ITEMS), dtype=np.float32)
    for row, history in enumerate(histories):
        scores[row] = -np.abs(np.arange(N_ITEMS) - (history[-1] + 1))
    return scores


def constant_scorer(histories: list[np.ndarray]) -> np.ndarray:
    return np.zeros((len(histories), N_ITEMS))


def toy_split() -> LeaveOneOutSplit:
    sequences = [np.arange(start, start + length) for start, length in [(0, 3), (5, 4), (10, 12), (20, 2)]]
    channels = [["web"] * len(s) for s in sequences[:2]] + [["app"] * len(s) for s in sequences[2:]]
    return leave_one_out(sequences, channels)


def test_perfect_scorer_finds_every_target() -> None:
    split = toy_split()
    popularity = np.bincount(np.concatenate(split.train), minlength=N_ITEMS)
    report = evaluate_scores(next_item_scorer, split.test_cases(), item_popularity=popularity, batch_size=2)
    assert report.n_cases == 3
    assert report.metrics["hr@5"] == 1.0
    assert report.metrics["ndcg@10"] == pytest.approx(1.0)
    assert report.metrics["mrr@20"] == pytest.approx(1.0)
    assert report.segments["user_history:<=2"]["n"] == 1
    assert report.segments["user_history:>=10"]["n"] == 1
    assert report.segments["channel:web"]["n"] == 2
    assert 0 < report.coverage["@5"] <= 1


def test_constant_scorer_ranks_every_target_last() -> None:
    split = toy_split()
    report = evaluate_scores(constant_scorer, split.test_cases(), item_popularity=np.ones(N_ITEMS))
    assert report.metrics["hr@10"] == 0.0
    # history excluded (−inf), everything else tied with the target → rank = n_items − len(history)
    expected = [N_ITEMS - len(h) for h in split.test_cases().histories]
    assert report.mean_rank == pytest.approx(np.mean(expected))


def test_history_is_excluded_unless_asked() -> None:
    def repeat_last(histories: list[np.ndarray]) -> np.ndarray:
        scores = np.zeros((len(histories), N_ITEMS))
        for row, history in enumerate(histories):
            scores[row, history[-1]] = 2.0  # the last seen item: excluded by default
            scores[row, history[-1] + 1] = 1.0  # the true next item
        return scores

    cases = toy_split().test_cases()
    assert evaluate_scores(repeat_last, cases).metrics["mrr@5"] == 1.0
    assert evaluate_scores(repeat_last, cases, exclude_history=False).metrics["mrr@5"] == pytest.approx(0.5)


def test_report_writes_files_that_parse(tmp_path: Path) -> None:
    split = toy_split()
    report = evaluate_scores(
        next_item_scorer,
        split.test_cases(),
        item_popularity=np.ones(N_ITEMS),
        model_name="toy",
        model_version="1",
        split_name="leave-one-out test",
    )
    paths = write_report(report, tmp_path / "run")
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["metrics"]["hr@10"] == 1.0
    assert metrics["model_name"] == "toy"
    assert load_report(tmp_path / "run") == report
    markdown = (tmp_path / "run" / "report.md").read_text()
    assert "| 10 | 1.0000 |" in markdown
    for name in ("metrics_vs_k.png", "segments.png"):
        png = tmp_path / "run" / name
        assert png in paths
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_popularity_segments_skip_target_items() -> None:
    report = evaluate_scores(next_item_scorer, toy_split().test_cases())
    assert report.novelty == {}
    assert not any(name.startswith("target_item:") for name in report.segments)
    assert "channel:app" in report.segments


def test_batch_size_does_not_change_the_answer() -> None:
    rng = np.random.default_rng(1)
    table = rng.random((64, N_ITEMS))

    def random_scorer(histories: list[np.ndarray]) -> np.ndarray:
        return table[[int(h[0]) % 64 for h in histories]]

    sequences = [rng.integers(0, N_ITEMS, size=int(rng.integers(3, 8))) for _ in range(40)]
    cases = leave_one_out(sequences).test_cases()
    one_batch = evaluate_scores(random_scorer, cases, batch_size=1024)
    small_batches = evaluate_scores(random_scorer, cases, batch_size=3)
    assert one_batch.metrics == small_batches.metrics
    assert one_batch.coverage == small_batches.coverage
