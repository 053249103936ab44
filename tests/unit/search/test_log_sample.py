"""A large search log is replayed as a sample spread over every fold; a small one whole."""

from __future__ import annotations

from collections import Counter

from shelfwise.search.behaviour import SearchGroup
from shelfwise.training.search_job import FOLDS, _bucket, sample_groups


def _groups(n: int) -> list[SearchGroup]:
    return [SearchGroup(f"s{i}\x1fdrill", "drill", {"a": 1}, True) for i in range(n)]


def test_a_log_within_the_limit_is_replayed_whole() -> None:
    groups = _groups(50)
    assert sample_groups(groups, limit=50) == groups


def test_a_large_log_gives_a_repeatable_sample_in_log_order_from_every_fold() -> None:
    groups = _groups(1_000)
    sample = sample_groups(groups, limit=200)
    assert len(sample) == 200
    assert sample == sample_groups(list(groups), limit=200)  # the same log, the same sample
    positions = [groups.index(g) for g in sample]
    assert positions == sorted(positions)
    per_fold = Counter(_bucket(g.group_id, FOLDS) for g in sample)
    assert len(per_fold) == FOLDS and min(per_fold.values()) >= 20  # ~40 each, none dropped
