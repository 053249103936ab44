"""Tiny synthetic shops whose right answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from shelfwise.retrieval.base import TrainingData

N_ITEMS = 10
COLD_ITEM = 9  # never bought; its text is a near copy of item 1's


def chain_sequences(n_users: int = 240, seed: int = 0) -> list[np.ndarray]:
    """Users walk part of one of two chains (0→1→2→3 or 4→5→6→7); some first buy item 8.

    Starts and stops vary so every chain item is sometimes the last one (the held-out target).
    """
    rng = np.random.default_rng(seed)
    chains = [[0, 1, 2, 3], [4, 5, 6, 7]]
    sequences = []
    for user in range(n_users):
        chain = chains[user % 2]
        start = int(rng.integers(0, 3))
        stop = int(rng.integers(start + 2, 5))
        seq = chain[start:stop]
        if user % 5 == 0:
            seq = [8, *seq]
        sequences.append(np.array(seq, dtype=np.int32))
    return sequences


def text_embeddings(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    emb = rng.normal(size=(N_ITEMS, 16)).astype(np.float32)
    emb[COLD_ITEM] = emb[1] + 0.05 * rng.normal(size=16).astype(np.float32)
    return emb / np.linalg.norm(emb, axis=1, keepdims=True)


@pytest.fixture
def chain_data() -> TrainingData:
    return TrainingData(N_ITEMS, chain_sequences(), text_embeddings())


@pytest.fixture
def cold_item() -> int:
    return COLD_ITEM
