"""Dense retrieval: exact below ``ann_min_items``, the faiss IVF index from there on, kept in step
with changed and new rows and saved with a snapshot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shelfwise.search.dense import DenseIndex

pytest.importorskip("faiss")

DIM = 32


def _clustered(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(40, DIM))
    vectors = centres[rng.integers(0, 40, n)] + 0.3 * rng.normal(size=(n, DIM))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def test_small_catalogs_stay_exact() -> None:
    dense = DenseIndex(DIM, ann_min_items=5000)
    vectors = _clustered(3000)
    dense.set_rows(np.arange(3000), vectors)
    assert not dense.approximate
    rows, _ = dense.top(vectors[7], 10)
    assert rows[0] == 7 and list(rows) == list(dense.top_exact(vectors[7], 10)[0])


def test_exact_scores_follow_changed_and_new_rows() -> None:
    """Exact search reads a transposed copy of the rows: it must see every later write."""
    dense = DenseIndex(DIM)
    vectors = _clustered(300)
    dense.set_rows(np.arange(300), vectors)
    np.testing.assert_allclose(dense.scores(vectors[3]), vectors @ vectors[3], rtol=1e-5, atol=1e-6)
    moved = _unit(np.random.default_rng(7).normal(size=DIM))
    dense.set_rows(np.array([3]), moved[None])  # in place
    assert dense.top_exact(moved, 1)[0][0] == 3
    assert 3 not in set(dense.top_exact(vectors[3], 20)[0])
    added = _unit(np.random.default_rng(8).normal(size=DIM))
    dense.set_rows(np.array([300, 301]), np.stack([added, vectors[9]]))  # the matrix grows
    assert dense.top_exact(added, 1)[0][0] == 300
    assert set(dense.top_exact(vectors[9], 2)[0]) == {9, 301}
    assert len(dense.scores(added)) == 302


def test_large_catalogs_answer_approximately_with_high_recall() -> None:
    dense = DenseIndex(DIM, ann_min_items=1000)
    vectors = _clustered(3000)
    dense.set_rows(np.arange(3000), vectors)
    assert dense.approximate
    queries = _clustered(50, seed=1)
    recall = np.mean([len(set(dense.top(q, 50)[0]) & set(dense.top_exact(q, 50)[0])) / 50 for q in queries])
    assert recall >= 0.9
    rows, scores = dense.top(vectors[42], 5)
    assert rows[0] == 42 and scores[0] == pytest.approx(1.0, abs=1e-5)


def test_a_changed_row_moves_and_a_new_row_is_found() -> None:
    dense = DenseIndex(DIM, ann_min_items=1000)
    vectors = _clustered(3000)
    dense.set_rows(np.arange(3000), vectors)
    moved = _unit(np.random.default_rng(5).normal(size=DIM))
    dense.set_rows(np.array([5]), moved[None])
    assert dense.top(moved, 1)[0][0] == 5
    assert 5 not in set(dense.top(vectors[5], 20)[0])  # its old vector is gone from the index
    added = _unit(np.random.default_rng(6).normal(size=DIM))
    dense.set_rows(np.array([3000]), added[None])
    assert len(dense) == 3001 and dense.top(added, 1)[0][0] == 3000


def _saved_and_loaded(folder: Path) -> tuple[DenseIndex, DenseIndex]:
    """An IVF index over 3,000 clustered rows, saved into ``folder``, and its copy loaded from there."""
    dense = DenseIndex(DIM, ann_min_items=1000)
    dense.set_rows(np.arange(3000), _clustered(3000))
    dense.save_ann(folder)
    loaded = DenseIndex(DIM, ann_min_items=1000)
    loaded.load(dense.matrix(), folder)
    return dense, loaded


def test_saved_index_is_loaded_with_its_rows(tmp_path: Path) -> None:
    dense, loaded = _saved_and_loaded(tmp_path)
    assert loaded.approximate
    query = _clustered(1, seed=9)[0]
    assert list(loaded.top(query, 20)[0]) == list(dense.top(query, 20)[0])


def test_a_loaded_index_is_mapped_until_it_changes(tmp_path: Path) -> None:
    """Loading maps the saved file (read-only); a write reads it into memory first (faiss fails, at
    worst aborting the process, on a write to the mapped lists); answers are the saved index's."""
    dense, loaded = _saved_and_loaded(tmp_path)
    assert loaded._ann_file == tmp_path / "ann.faiss"  # mapped
    queries = _clustered(20, seed=3)
    for query in queries:
        rows, scores = loaded.top(query, 50)
        expected_rows, expected_scores = dense.top(query, 50)
        assert list(rows) == list(expected_rows) and np.array_equal(scores, expected_scores)
    again = tmp_path / "again"
    again.mkdir()
    loaded.save_ann(again)  # a self-contained copy, not a reference to the mapped file
    assert loaded._ann_file is None and (again / "ann.faiss").stat().st_size > 3000 * DIM * 4
    added = _unit(np.random.default_rng(6).normal(size=DIM))
    reloaded = DenseIndex(DIM, ann_min_items=1000)
    reloaded.load(dense.matrix(), again)
    reloaded.set_rows(np.array([5, 3000]), np.stack([added, added]))  # in memory now: no abort
    assert reloaded._ann_file is None and set(reloaded.top(added, 2)[0]) == {5, 3000}
    assert reloaded._ann.nprobe == dense._ann.nprobe  # type: ignore[union-attr]
