"""The next-item protocol on plain item sequences, used by model validation and the benchmarks:
hold out each sequence's last two items (``leave_last_two_out``), rank every item with history
masked, ties counted against the target (``masked_target_ranks``), HR/NDCG@k (``rank_metrics``).
The store-level protocols with channels and segments (``splits``, ``runner``) build on the same
rank arithmetic in ``metrics``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

ScoreFn = Callable[[Sequence[np.ndarray]], np.ndarray]


@dataclass
class LastTwoHoldout:
    """``train`` = sequence minus the last two items; ``valid``/``test`` = second-to-last / last item."""

    train: list[np.ndarray]
    valid_targets: np.ndarray
    test_targets: np.ndarray

    @property
    def train_plus_valid(self) -> list[np.ndarray]:
        return [np.append(s, t).astype(np.int32) for s, t in zip(self.train, self.valid_targets, strict=True)]


def leave_last_two_out(sequences: Sequence[np.ndarray]) -> LastTwoHoldout:
    kept = [np.asarray(s, dtype=np.int32) for s in sequences if len(s) >= 3]
    return LastTwoHoldout(
        train=[s[:-2] for s in kept],
        valid_targets=np.array([s[-2] for s in kept], dtype=np.int64),
        test_targets=np.array([s[-1] for s in kept], dtype=np.int64),
    )


def masked_target_ranks(scores: np.ndarray, histories: Sequence[np.ndarray], targets: np.ndarray) -> np.ndarray:
    """1-based rank of each target with history items masked; every tie ranks above the target."""
    scores = scores.astype(np.float64, copy=True)
    for row, hist in enumerate(histories):
        scores[row, hist] = -np.inf
    rows = np.arange(len(targets))
    target_scores = scores[rows, targets]
    # A target that is itself in the history gets -inf and then ranks below everything except ties.
    better = (scores > target_scores[:, None]).sum(axis=1)
    ties = (scores == target_scores[:, None]).sum(axis=1) - 1
    return 1 + better + ties


def rank_metrics(ranks: np.ndarray, k: int = 10) -> dict[str, float]:
    hit = ranks <= k
    ndcg = np.where(hit, 1.0 / np.log2(ranks + 1.0), 0.0)
    return {f"hr@{k}": float(hit.mean()), f"ndcg@{k}": float(ndcg.mean())}


def evaluate_sequences(
    score_fn: ScoreFn,
    histories: Sequence[np.ndarray],
    targets: np.ndarray,
    batch_size: int = 1024,
    k: int = 10,
) -> dict[str, float]:
    ranks = []
    for start in range(0, len(histories), batch_size):
        batch = histories[start : start + batch_size]
        ranks.append(masked_target_ranks(score_fn(batch), batch, targets[start : start + batch_size]))
    return rank_metrics(np.concatenate(ranks), k)
