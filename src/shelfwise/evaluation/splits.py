"""Train/test splits on plain arrays (no database): leave-one-out and temporal.

Both produce :class:`EvalCases`, the one currency the runner consumes: for each evaluated case a user,
the history the model may see, the single held-out target and (optionally) the channel of the target
event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np


@dataclass(frozen=True)
class Events:
    """Interaction log as parallel arrays: user index, item index, epoch seconds, channel name."""

    users: np.ndarray
    items: np.ndarray
    timestamps: np.ndarray
    channels: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.users)
        lengths = {len(self.items), len(self.timestamps)} | (
            {len(self.channels)} if self.channels is not None else set()
        )
        if lengths != {n}:
            raise ValueError("users, items, timestamps (and channels) must have the same length")

    def __len__(self) -> int:
        return len(self.users)

    def subset(self, mask: np.ndarray) -> Events:
        return Events(
            users=np.asarray(self.users)[mask],
            items=np.asarray(self.items)[mask],
            timestamps=np.asarray(self.timestamps)[mask],
            channels=None if self.channels is None else np.asarray(self.channels)[mask],
        )


@dataclass(frozen=True)
class EvalCases:
    """Cases to rank: ``histories[i]`` is what the model sees, ``targets[i]`` the item to find."""

    users: np.ndarray
    histories: list[np.ndarray]
    targets: np.ndarray
    target_channels: np.ndarray | None = None

    def __post_init__(self) -> None:
        if not (len(self.users) == len(self.histories) == len(self.targets)):
            raise ValueError("users, histories and targets must have the same length")
        if self.target_channels is not None and len(self.target_channels) != len(self.targets):
            raise ValueError("target_channels must have one entry per target")

    def __len__(self) -> int:
        return len(self.targets)


@dataclass(frozen=True)
class LeaveOneOutSplit:
    """Per user: training history, validation target (second-to-last), test target (last).

    ``train`` holds every user's training items, including users too short to evaluate (all of their
    items). ``evaluated_users`` are the users with at least three items.
    """

    train: list[np.ndarray]
    evaluated_users: np.ndarray
    valid_targets: np.ndarray
    test_targets: np.ndarray
    valid_channels: np.ndarray | None = None
    test_channels: np.ndarray | None = None

    def validation_cases(self) -> EvalCases:
        return EvalCases(
            users=self.evaluated_users,
            histories=[self.train[user] for user in self.evaluated_users],
            targets=self.valid_targets,
            target_channels=self.valid_channels,
        )

    def test_cases(self) -> EvalCases:
        """Test history = training history + the validation target (the model may see it at test time)."""
        histories = [
            np.append(self.train[user], target).astype(np.int64)
            for user, target in zip(self.evaluated_users, self.valid_targets, strict=True)
        ]
        return EvalCases(
            users=self.evaluated_users,
            histories=histories,
            targets=self.test_targets,
            target_channels=self.test_channels,
        )


MIN_LEAVE_ONE_OUT_LENGTH = 3


def leave_one_out(
    sequences: Sequence[np.ndarray | Sequence[int]],
    channels: Sequence[np.ndarray | Sequence[str]] | None = None,
) -> LeaveOneOutSplit:
    """Split time-ordered per-user item sequences (index = user) into train / validation / test.

    ``channels`` (optional) gives the channel of every event in the same shape as ``sequences``.
    Users with fewer than three items keep everything in train and are not evaluated.
    """
    if channels is not None and len(channels) != len(sequences):
        raise ValueError("channels must have one sequence per user")
    train: list[np.ndarray] = []
    evaluated: list[int] = []
    valid: list[int] = []
    test: list[int] = []
    valid_channels: list[str] = []
    test_channels: list[str] = []
    for user, raw in enumerate(sequences):
        sequence = np.asarray(raw, dtype=np.int64)
        if len(sequence) < MIN_LEAVE_ONE_OUT_LENGTH:
            train.append(sequence)
            continue
        train.append(sequence[:-2])
        evaluated.append(user)
        valid.append(int(sequence[-2]))
        test.append(int(sequence[-1]))
        if channels is not None:
            user_channels = list(channels[user])
            valid_channels.append(str(user_channels[-2]))
            test_channels.append(str(user_channels[-1]))
    return LeaveOneOutSplit(
        train=train,
        evaluated_users=np.array(evaluated, dtype=np.int64),
        valid_targets=np.array(valid, dtype=np.int64),
        test_targets=np.array(test, dtype=np.int64),
        valid_channels=np.array(valid_channels, dtype=object) if channels is not None else None,
        test_channels=np.array(test_channels, dtype=object) if channels is not None else None,
    )


@dataclass(frozen=True)
class TemporalSplit:
    """Train = every event before ``cutoff``; test = each user's items at or after it, in time order."""

    cutoff: float
    train: Events
    test_items: dict[int, np.ndarray] = field(default_factory=dict)
    test_channels: dict[int, np.ndarray] = field(default_factory=dict)

    def train_histories(self, n_users: int | None = None) -> list[np.ndarray]:
        """Time-ordered training items per user index (empty for users with no training events)."""
        users = np.asarray(self.train.users, dtype=np.int64)
        size = n_users if n_users is not None else (int(users.max()) + 1 if users.size else 0)
        size = max(size, max(self.test_items, default=-1) + 1)
        order = np.lexsort((np.asarray(self.train.timestamps), users))
        sorted_users = users[order]
        sorted_items = np.asarray(self.train.items, dtype=np.int64)[order]
        bounds = np.searchsorted(sorted_users, np.arange(size + 1))
        return [sorted_items[bounds[u] : bounds[u + 1]] for u in range(size)]

    def cases(self, targets: Literal["first", "all_new"] = "first", n_users: int | None = None) -> EvalCases:
        """Evaluation cases with the user's training history as context.

        ``first``: one case per test user, the first item after the cutoff (next-item prediction).
        ``all_new``: one case per distinct test item the user had not interacted with before the cutoff
        (each ranked independently, so the user's other new items compete with it).
        Users with no training events are kept (empty history): they are the cold-start segment.
        """
        histories = self.train_histories(n_users)
        users: list[int] = []
        case_histories: list[np.ndarray] = []
        case_targets: list[int] = []
        case_channels: list[str] = []
        has_channels = bool(self.test_channels)
        for user in sorted(self.test_items):
            items = self.test_items[user]
            channels = self.test_channels.get(user)
            if targets == "first":
                chosen = [0]
            else:
                seen = set(histories[user].tolist())
                chosen = []
                for position, item in enumerate(items.tolist()):
                    if item not in seen:
                        seen.add(item)
                        chosen.append(position)
            for position in chosen:
                users.append(user)
                case_histories.append(histories[user])
                case_targets.append(int(items[position]))
                if has_channels and channels is not None:
                    case_channels.append(str(channels[position]))
        return EvalCases(
            users=np.array(users, dtype=np.int64),
            histories=case_histories,
            targets=np.array(case_targets, dtype=np.int64),
            target_channels=np.array(case_channels, dtype=object) if has_channels else None,
        )


def temporal_split(
    events: Events, cutoff: float | None = None, fraction: float | None = None
) -> TemporalSplit:
    """Split by time: give an absolute ``cutoff`` (epoch seconds) or the ``fraction`` of events to train on.

    With ``fraction`` the cutoff is the timestamp at that quantile of the events, so roughly that share
    of events lands in train (events sharing the cutoff timestamp go to test).
    """
    if (cutoff is None) == (fraction is None):
        raise ValueError("give exactly one of cutoff or fraction")
    timestamps = np.asarray(events.timestamps, dtype=np.float64)
    if fraction is not None:
        if not 0.0 < fraction < 1.0:
            raise ValueError("fraction must be in (0, 1)")
        if len(timestamps) == 0:
            raise ValueError("cannot split an empty event log by fraction")
        cutoff = float(np.sort(timestamps)[int(fraction * len(timestamps))])
    assert cutoff is not None
    before = timestamps < cutoff
    test = events.subset(~before)
    order = np.lexsort((np.asarray(test.timestamps), np.asarray(test.users)))
    test_users = np.asarray(test.users, dtype=np.int64)[order]
    test_items = np.asarray(test.items, dtype=np.int64)[order]
    test_channel_values = None if test.channels is None else np.asarray(test.channels, dtype=object)[order]
    items_by_user: dict[int, np.ndarray] = {}
    channels_by_user: dict[int, np.ndarray] = {}
    # Users are sorted, so each user's test events are one contiguous slice.
    unique_users, starts = np.unique(test_users, return_index=True)
    ends = [*starts[1:].tolist(), len(test_users)]
    for user, start, end in zip(unique_users.tolist(), starts.tolist(), ends, strict=True):
        items_by_user[user] = test_items[start:end]
        if test_channel_values is not None:
            channels_by_user[user] = test_channel_values[start:end]
    return TemporalSplit(
        cutoff=float(cutoff),
        train=events.subset(before),
        test_items=items_by_user,
        test_channels=channels_by_user,
    )
