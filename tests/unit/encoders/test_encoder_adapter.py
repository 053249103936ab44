from __future__ import annotations

from pathlib import Path

import numpy as np

from shelfwise.encoders import HashingEncoder
from shelfwise.encoders.adapter import (
    Adapter,
    AdapterConfig,
    consecutive_pairs,
    fit_adapter,
    recall_at_k,
)

WORDS = [
    "garden",
    "hose",
    "lipstick",
    "matte",
    "drill",
    "cordless",
    "teapot",
    "ceramic",
    "sock",
    "wool",
    "lamp",
    "desk",
    "kite",
    "pillow",
    "soap",
    "candle",
    "towel",
    "spoon",
    "mirror",
    "brush",
]


def _catalog(n_items: int = 40) -> np.ndarray:
    rng = np.random.default_rng(1)
    texts = [" ".join(rng.choice(WORDS, size=3, replace=False)) + f" {i}" for i in range(n_items)]
    texts[0], texts[1] = "garden hose fifty feet", "matte lipstick ruby"  # unrelated by text
    return HashingEncoder(dim=256).encode_batch(texts)


def _behaviour(n_items: int = 40, seed: int = 0) -> list[np.ndarray]:
    """Customers buy 0 then 1 (or 1 then 0) together; other sessions are random walks."""
    rng = np.random.default_rng(seed)
    sequences = [np.array([0, 1]) if u % 2 else np.array([1, 0]) for u in range(150)]
    sequences += [rng.choice(np.arange(2, n_items), size=4, replace=False) for _ in range(150)]
    return sequences


def test_adapter_brings_items_bought_together_closer() -> None:
    embeddings = _catalog()
    config = AdapterConfig(hidden_dim=64, batch_size=32, learning_rate=1e-2, patience=5, max_epochs=60)
    adapter = fit_adapter(embeddings, _behaviour(), seed=0, max_minutes=0.3, config=config)
    adapted = adapter.transform(embeddings)
    before, after = float(embeddings[0] @ embeddings[1]), float(adapted[0] @ adapted[1])
    assert before < 0.2
    assert after > before + 0.3
    # Item 0's nearest neighbour becomes item 1.
    scores = adapted[0] @ adapted.T
    scores[0] = -np.inf
    assert int(np.argmax(scores)) == 1
    # ...without dragging the unrelated items along: 0 and 1 form their own cluster.
    assert float(np.mean(adapted[0] @ adapted[2:].T)) < after - 0.3
    np.testing.assert_allclose(np.linalg.norm(adapted, axis=1), 1.0, rtol=1e-5)
    assert adapter.history[0]["epoch"] == 0.0 and len(adapter.history) >= 2


def test_adapter_fit_is_reproducible_with_a_seed() -> None:
    embeddings = _catalog()
    config = AdapterConfig(hidden_dim=None, batch_size=32, max_epochs=3)
    first = fit_adapter(embeddings, _behaviour(), seed=3, max_minutes=0.2, config=config)
    second = fit_adapter(embeddings, _behaviour(), seed=3, max_minutes=0.2, config=config)
    np.testing.assert_allclose(first.transform(embeddings), second.transform(embeddings), atol=1e-6)


def test_zero_adapter_is_identity_and_save_load_round_trips(tmp_path: Path) -> None:
    embeddings = _catalog()
    identity = Adapter(weights=[np.zeros((256, 256), np.float32)], biases=[np.zeros(256, np.float32)])
    np.testing.assert_allclose(identity.transform(embeddings), embeddings, atol=1e-6)

    rng = np.random.default_rng(0)
    mlp = Adapter(
        weights=[rng.normal(size=(256, 8)).astype(np.float32), rng.normal(size=(8, 256)).astype(np.float32)],
        biases=[np.zeros(8, np.float32), np.ones(256, np.float32)],
        history=[{"epoch": 0.0, "loss": 1.0, "held_out_recall@10": 0.5}],
    )
    mlp.save(tmp_path / "adapter")
    loaded = Adapter.load(tmp_path / "adapter")
    np.testing.assert_allclose(loaded.transform(embeddings), mlp.transform(embeddings), atol=1e-6)
    assert loaded.history == mlp.history


def test_pairs_and_recall_known_answers() -> None:
    pairs = consecutive_pairs([np.array([3, 3, 4]), np.array([7]), np.array([1, 2])])
    assert pairs.tolist() == [[3, 4], [1, 2]]  # repeats and single-item sequences give no pairs
    embeddings = np.eye(3, dtype=np.float32)
    embeddings[1] = embeddings[0] * 0.8 + embeddings[1] * 0.6  # item 1 leans towards item 0
    assert recall_at_k(embeddings, np.array([[0, 1]]), k=1) == 1.0
    assert recall_at_k(embeddings, np.array([[0, 2]]), k=1) == 0.0
