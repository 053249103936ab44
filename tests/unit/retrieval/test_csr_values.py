"""``csr_values`` (the reasons' look-up of many (row, column) pairs) reads what scipy reads."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from shelfwise.retrieval.transitions import csr_value, csr_values


def test_values_equal_dense_indexing_and_csr_value() -> None:
    rng = np.random.default_rng(3)
    dense = np.where(rng.random((40, 60)) < 0.15, rng.random((40, 60)), 0.0).astype(np.float32)
    dense[7] = 0.0  # an empty row
    matrix = sp.csr_matrix(dense)
    rows = [7, 0, 39, 5, 5]  # repeated and empty rows
    columns = [0, 59, 13, 13, 30, 2]  # first, last and repeated columns
    got = csr_values(matrix, rows, columns)
    assert got.shape == (5, 6)
    np.testing.assert_array_equal(got, dense[rows][:, columns].astype(np.float64))
    assert got[1, 1] == csr_value(matrix, 0, 59)
    assert np.count_nonzero(got) > 0


def test_unsorted_indices_are_sorted_first() -> None:
    matrix = sp.csr_matrix(
        (np.array([1.0, 2.0, 3.0], dtype=np.float32), np.array([4, 1, 2]), np.array([0, 3])), shape=(1, 5)
    )
    assert not matrix.has_sorted_indices
    assert csr_values(matrix, [0], [1, 2, 3, 4]).tolist() == [[2.0, 3.0, 0.0, 1.0]]
