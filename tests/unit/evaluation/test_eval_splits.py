"""Leave-one-out and temporal splits on toy logs."""

from __future__ import annotations

import numpy as np
import pytest

from shelfwise.evaluation.splits import Events, leave_one_out, temporal_split


def test_leave_one_out_on_a_toy_sequence() -> None:
    split = leave_one_out(
        [[1, 2, 3, 4], [5, 6], [7, 8, 9]], channels=[["web"] * 4, ["app"] * 2, ["web", "app", "store"]]
    )
    assert split.evaluated_users.tolist() == [0, 2]
    assert [t.tolist() for t in split.train] == [[1, 2], [5, 6], [7]]
    assert split.valid_targets.tolist() == [3, 8]
    assert split.test_targets.tolist() == [4, 9]
    valid = split.validation_cases()
    assert [h.tolist() for h in valid.histories] == [[1, 2], [7]]
    assert valid.target_channels is not None and valid.target_channels.tolist() == ["web", "app"]
    test = split.test_cases()
    assert [h.tolist() for h in test.histories] == [[1, 2, 3], [7, 8]]
    assert test.targets.tolist() == [4, 9]
    assert test.target_channels is not None and test.target_channels.tolist() == ["web", "store"]


def test_leave_one_out_without_channels() -> None:
    split = leave_one_out([np.array([1, 2, 3])])
    assert split.test_cases().target_channels is None


def toy_events() -> Events:
    # user 0: items 1, 2 before t=10; 3 then 1 after. user 1: only after. user 2: only before.
    return Events(
        users=np.array([0, 0, 0, 1, 2, 0]),
        items=np.array([1, 2, 1, 4, 5, 3]),
        timestamps=np.array([1.0, 2.0, 12.0, 11.0, 3.0, 10.0]),
        channels=np.array(["web", "web", "app", "store", "web", "app"], dtype=object),
    )


def test_temporal_split_by_cutoff() -> None:
    split = temporal_split(toy_events(), cutoff=10.0)
    assert len(split.train) == 3
    assert {u: items.tolist() for u, items in split.test_items.items()} == {0: [3, 1], 1: [4]}
    histories = split.train_histories()
    assert [h.tolist() for h in histories] == [[1, 2], [], [5]]
    first = split.cases("first")
    assert first.users.tolist() == [0, 1]
    assert first.targets.tolist() == [3, 4]
    assert first.target_channels is not None and first.target_channels.tolist() == ["app", "store"]
    assert [h.tolist() for h in first.histories] == [[1, 2], []]
    # item 1 is a repeat of user 0's history, so "all_new" drops it
    assert split.cases("all_new").targets.tolist() == [3, 4]


def test_temporal_split_by_fraction() -> None:
    split = temporal_split(toy_events(), fraction=0.5)
    assert split.cutoff == 10.0  # sorted timestamps [1, 2, 3, 10, 11, 12], index 3
    assert len(split.train) == 3
    with pytest.raises(ValueError):
        temporal_split(toy_events())


def test_temporal_split_without_channels() -> None:
    events = toy_events()
    plain = Events(users=events.users, items=events.items, timestamps=events.timestamps)
    cases = temporal_split(plain, cutoff=10.0).cases()
    assert cases.target_channels is None
    assert cases.targets.tolist() == [3, 4]
