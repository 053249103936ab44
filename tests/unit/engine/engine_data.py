"""Synthetic customers for the engine tests."""

from __future__ import annotations

import numpy as np


def markov_sequences(n_users: int = 1500, n_items: int = 200, seed: int = 0) -> list[np.ndarray]:
    """Customers walking a sparse random item graph (3 likely successors per item), 2–12 steps."""
    rng = np.random.default_rng(seed)
    successors = rng.integers(0, n_items, size=(n_items, 3))
    sequences = []
    for _ in range(n_users):
        item = int(rng.integers(n_items))
        seq = [item]
        for _ in range(int(rng.integers(1, 12))):
            item = (
                int(successors[item, rng.integers(3)]) if rng.random() < 0.8 else int(rng.integers(n_items))
            )
            seq.append(item)
        sequences.append(np.array(seq, dtype=np.int32))
    return sequences


def shard_total(shard: list[int], offset: int) -> int:
    """A shard's sum plus the shared offset (a module-level function: Ray workers import it)."""
    return sum(shard) + offset
