"""The engine interface: shards, combining, and the same statistics however the input is cut."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import scipy.sparse as sp
from engine_data import markov_sequences, shard_total

from shelfwise.engine import LocalEngine, map_combine, open_engine, split
from shelfwise.errors import ConfigError
from shelfwise.retrieval.features import CandidateConfig, ItemStatistics
from shelfwise.retrieval.transitions import TransitionConfig, customer_follow_counts, pair_counts


def test_split_keeps_order_and_every_item() -> None:
    parts = split(list(range(10)), 3)
    assert [list(p) for p in parts] == [[0, 1, 2], [3, 4, 5, 6], [7, 8, 9]]
    assert [list(p) for p in split([1, 2], 5)] == [[1], [2]]  # never an empty shard when avoidable
    assert [list(p) for p in split([], 4)] == [[]]


def test_map_combine_maps_every_shard_then_combines() -> None:
    # Four shards of 0..99, each adding the shared offset 1: 4950 + 4.
    assert map_combine(LocalEngine(shards=4), shard_total, list(range(100)), 1, sum) == 4954
    # One shard: fn sees everything, nothing to combine.
    assert map_combine(LocalEngine(), shard_total, list(range(100)), 1, sum) == 4951


def _same_matrix(a: sp.csr_matrix, b: sp.csr_matrix) -> None:
    assert a.shape == b.shape
    difference = abs(a - b)
    assert difference.nnz == 0 or difference.max() <= 1e-5 * max(abs(a).max(), 1.0)


def test_statistics_do_not_depend_on_how_customers_are_sharded() -> None:
    sequences = markov_sequences()
    whole = ItemStatistics.fit(sequences, 200, TransitionConfig(), CandidateConfig())
    sharded = ItemStatistics.fit(sequences, 200, TransitionConfig(), CandidateConfig(), LocalEngine(shards=7))
    assert whole.follows is not None and sharded.follows is not None
    assert (whole.follows != sharded.follows).nnz == 0  # integer counts: identical
    assert np.array_equal(whole.counts, sharded.counts)
    assert np.array_equal(whole.in_degree, sharded.in_degree)
    for name in ("forward", "next_item", "reverse", "cooccur"):
        _same_matrix(getattr(whole, name), getattr(sharded, name))
    _same_matrix(whole.baseline.transitions, sharded.baseline.transitions)


def test_sharded_pair_counts_equal_the_whole() -> None:
    sequences = markov_sequences(n_users=300)
    _same_matrix(
        pair_counts(sequences, 200, 5, 0.6), pair_counts(sequences, 200, 5, 0.6, LocalEngine(shards=4))
    )
    # A customer repeating a pair counts once, in whichever shard holds them.
    follows = customer_follow_counts([np.array([0, 1, 0, 1], dtype=np.int32)], 2, 5)
    assert follows[0, 1] == 1 and follows[1, 0] == 1


def test_unknown_engine_and_stray_address_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="unknown engine 'spark'"):
        open_engine("spark")
    with pytest.raises(ConfigError, match="--address is for --engine ray"):
        open_engine("local", "ray://head:10001")


def test_missing_ray_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(ConfigError, match=r"pip install 'shelfwise\[ray\]'"):
        open_engine("ray")
