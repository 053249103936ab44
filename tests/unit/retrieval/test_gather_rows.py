"""The candidate features read transition rows straight from the CSR arrays: the same values as
slicing and densifying the matrix."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from shelfwise.retrieval.features import _gather_rows


def reference(
    matrix: sp.csr_matrix, items: np.ndarray, present: np.ndarray, candidates: np.ndarray
) -> np.ndarray:
    dense = matrix[items].toarray()
    dense[~present] = 0.0
    return np.take_along_axis(dense, candidates, axis=1)


def test_same_values_as_densifying_the_rows() -> None:
    rng = np.random.default_rng(3)
    matrix = sp.random(40, 40, density=0.2, format="csr", dtype=np.float32, random_state=3)
    items = rng.integers(0, 40, size=8)
    items[1] = items[0]  # the same history item twice in a batch
    present = np.array([True, True, False, True, True, True, False, True])
    candidates = rng.integers(0, 40, size=(8, 12))
    got = _gather_rows(matrix, items, present, candidates)
    np.testing.assert_array_equal(got, reference(matrix, items, present, candidates))
    assert got[~present].sum() == 0 and got[present].sum() > 0


def test_duplicate_entries_are_summed() -> None:
    matrix = sp.csr_matrix(
        (np.array([1.0, 2.0], np.float32), np.array([3, 3]), np.array([0, 2, 2])), shape=(2, 5)
    )
    assert not matrix.has_canonical_format
    got = _gather_rows(matrix, np.array([0, 1]), np.array([True, True]), np.array([[3, 0], [3, 1]]))
    np.testing.assert_array_equal(got, [[3.0, 0.0], [0.0, 0.0]])


def _unsorted(duplicate: bool = False) -> sp.csr_matrix:
    """Rows with unsorted columns, as the statistics come back from disk (or with a duplicate)."""
    columns = np.array([4, 0, 4 if duplicate else 2])
    return sp.csr_matrix((np.array([5.0, 1.0, 2.0], np.float32), columns, np.array([0, 3, 3])), shape=(2, 5))


def test_unsorted_rows_read_the_same_and_are_left_as_they_were() -> None:
    matrix = _unsorted()
    assert not matrix.has_sorted_indices
    expected = reference(matrix, np.array([0, 1]), np.array([True, True]), np.array([[4, 2], [0, 1]]))
    got = _gather_rows(matrix, np.array([0, 1]), np.array([True, True]), np.array([[4, 2], [0, 1]]))
    np.testing.assert_array_equal(got, expected)
    assert got.tolist() == [[5.0, 2.0], [0.0, 0.0]]
    # Not sorted in place: on Ray the workers' statistics are read-only (they are sorted where made).
    assert not matrix.has_sorted_indices
    duplicated = _unsorted(duplicate=True)
    got = _gather_rows(duplicated, np.array([0]), np.array([True]), np.array([[4, 0]]))
    assert got.tolist() == [[7.0, 1.0]]  # duplicate entries are summed, as scipy reads them


def test_statistics_sort_their_matrices_where_they_are_made() -> None:
    from shelfwise.retrieval.features import ItemStatistics
    from shelfwise.retrieval.transitions import TransitionConfig, TransitionModel

    stats = ItemStatistics(
        baseline=TransitionModel(TransitionConfig()),
        forward=_unsorted(),
        next_item=_unsorted(),
        reverse=_unsorted(),
        cooccur=_unsorted(),
        counts=np.ones(5, np.float32),
        in_degree=np.ones(5, np.float32),
        follows=_unsorted(),
    )
    assert all(
        m.has_canonical_format
        for m in (stats.forward, stats.next_item, stats.reverse, stats.cooccur, stats.follows)
    )
