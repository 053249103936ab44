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


def test_unsorted_rows_read_the_same_and_are_sorted_once() -> None:
    matrix = sp.csr_matrix(
        (np.array([5.0, 1.0, 2.0], np.float32), np.array([4, 0, 2]), np.array([0, 3, 3])), shape=(2, 5)
    )
    assert not matrix.has_sorted_indices  # as the statistics come back from disk
    expected = reference(matrix, np.array([0, 1]), np.array([True, True]), np.array([[4, 2], [0, 1]]))
    got = _gather_rows(matrix, np.array([0, 1]), np.array([True, True]), np.array([[4, 2], [0, 1]]))
    np.testing.assert_array_equal(got, expected)
    assert got.tolist() == [[5.0, 2.0], [0.0, 0.0]]
    assert matrix.has_canonical_format  # later calls take the direct read
