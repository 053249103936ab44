"""Adapting the frozen language-model embeddings to one shop's behaviour.

A residual map ``x + f(x)`` (``f`` linear, or a one-hidden-layer MLP) on top of the frozen item
embeddings is trained so that items a customer engaged with one after the other end up close:
symmetric in-batch softmax (InfoNCE) over consecutive pairs, early-stopped on held-out pairs by
Recall@10 against the whole catalog. ``f`` starts at zero, so training begins exactly at the frozen
encoder and only moves as far as behaviour pays for; because ``f`` reads the text embedding, items
with no interactions (new, cold) move too.

Training needs torch; ``transform`` is plain numpy, so serving needs only the saved arrays.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from shelfwise.encoders.base import l2_normalise

_WEIGHTS = "adapter.npz"
_META = "adapter.json"


@dataclass(frozen=True)
class AdapterConfig:
    # Width of the residual MLP's hidden layer; None for a residual linear map. On Amazon Beauty
    # the MLP (1024) lifted next-item HR@10 by +65% over frozen MiniLM, the linear map by +25%.
    hidden_dim: int | None = 1024
    temperature: float = 0.05
    batch_size: int = 512
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    held_out_share: float = 0.05
    max_held_out: int = 2000
    patience: int = 3  # epochs without held-out improvement before stopping
    max_epochs: int = 100


@dataclass
class Adapter:
    """Residual map on unit vectors. Weights are numpy arrays: (in, out) matrices and biases."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    history: list[dict[str, float]] = field(default_factory=list)

    @property
    def dim(self) -> int:
        return int(self.weights[0].shape[0])

    def transform(self, embeddings: np.ndarray) -> np.ndarray:
        x = np.asarray(embeddings, dtype=np.float32)
        hidden = x
        for layer, (weight, bias) in enumerate(zip(self.weights, self.biases, strict=True)):
            hidden = hidden @ weight + bias
            if layer < len(self.weights) - 1:
                hidden = np.maximum(hidden, 0.0)
        return l2_normalise(x + hidden)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {f"weight_{i}": w for i, w in enumerate(self.weights)}
        arrays |= {f"bias_{i}": b for i, b in enumerate(self.biases)}
        np.savez(directory / _WEIGHTS, **arrays)
        meta = {"layers": len(self.weights), "dim": self.dim, "history": self.history}
        (directory / _META).write_text(json.dumps(meta, indent=2))

    @classmethod
    def load(cls, directory: Path) -> Adapter:
        meta = json.loads((directory / _META).read_text())
        with np.load(directory / _WEIGHTS) as arrays:
            weights = [arrays[f"weight_{i}"] for i in range(meta["layers"])]
            biases = [arrays[f"bias_{i}"] for i in range(meta["layers"])]
        return cls(weights=weights, biases=biases, history=meta["history"])


def consecutive_pairs(sequences: Sequence[np.ndarray]) -> np.ndarray:
    """All (previous, next) item-row pairs from each sequence, repeats of the same item dropped."""
    chunks = []
    for sequence in sequences:
        items = np.asarray(sequence, dtype=np.int64)
        if len(items) >= 2:
            pairs = np.stack([items[:-1], items[1:]], axis=1)
            chunks.append(pairs[pairs[:, 0] != pairs[:, 1]])
    if not chunks:
        return np.zeros((0, 2), dtype=np.int64)
    return np.concatenate(chunks)


def recall_at_k(embeddings: np.ndarray, pairs: np.ndarray, k: int = 10) -> float:
    """Share of pairs whose next item is among the k nearest items of the previous one (itself
    excluded, ties counted against the target)."""
    if len(pairs) == 0:
        return 0.0
    scores = embeddings[pairs[:, 0]] @ embeddings.T
    scores[np.arange(len(pairs)), pairs[:, 0]] = -np.inf
    target = scores[np.arange(len(pairs)), pairs[:, 1]]
    rank = (scores >= target[:, None]).sum(axis=1) - 1  # items at least as close, target excluded
    return float(np.mean(rank < k))


def fit_adapter(
    item_embeddings: np.ndarray,
    sequences: Sequence[np.ndarray],
    seed: int = 0,
    max_minutes: float = 3.0,
    config: AdapterConfig | None = None,
) -> Adapter:
    """Fit the residual adapter. ``sequences`` hold row indices into ``item_embeddings``, in time
    order. Stops at ``max_minutes``, after ``patience`` epochs without held-out gain, or at
    ``max_epochs``; returns the best epoch's weights (epoch 0 = the frozen encoder itself)."""
    import torch

    config = config or AdapterConfig()
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    embeddings = l2_normalise(item_embeddings)
    pairs = consecutive_pairs(sequences)
    if len(pairs) < 4:
        raise ValueError("need at least 4 consecutive pairs to fit an adapter")
    order = rng.permutation(len(pairs))
    held_count = min(config.max_held_out, max(1, int(len(pairs) * config.held_out_share)))
    held_out, train = pairs[order[:held_count]], pairs[order[held_count:]]

    dim = embeddings.shape[1]
    if config.hidden_dim is None:
        layers = [torch.nn.Linear(dim, dim)]
    else:
        layers = [torch.nn.Linear(dim, config.hidden_dim), torch.nn.Linear(config.hidden_dim, dim)]
    torch.nn.init.zeros_(layers[-1].weight)  # start exactly at the frozen encoder
    torch.nn.init.zeros_(layers[-1].bias)
    parameters = [p for layer in layers for p in layer.parameters()]
    optimizer = torch.optim.AdamW(parameters, lr=config.learning_rate, weight_decay=config.weight_decay)
    table = torch.from_numpy(embeddings)

    def forward(x: torch.Tensor) -> torch.Tensor:
        hidden = x
        for index, layer in enumerate(layers):
            hidden = layer(hidden)
            if index < len(layers) - 1:
                hidden = torch.relu(hidden)
        return torch.nn.functional.normalize(x + hidden, dim=-1)

    def snapshot() -> Adapter:
        return Adapter(
            weights=[layer.weight.detach().numpy().T.copy() for layer in layers],
            biases=[layer.bias.detach().numpy().copy() for layer in layers],
        )

    best = snapshot()
    best_recall = recall_at_k(best.transform(embeddings), held_out)
    history = [{"epoch": 0.0, "loss": float("nan"), "held_out_recall@10": best_recall}]
    deadline = time.monotonic() + max_minutes * 60
    stale = 0
    batch_size = min(config.batch_size, len(train))
    for epoch in range(1, config.max_epochs + 1):
        shuffled = train[rng.permutation(len(train))]
        losses = []
        for start in range(0, len(shuffled) - batch_size + 1, batch_size):
            batch = torch.from_numpy(shuffled[start : start + batch_size])
            left, right = forward(table[batch[:, 0]]), forward(table[batch[:, 1]])
            logits = left @ right.T / config.temperature
            # The same item twice in a batch is not a negative of itself.
            same = batch[:, 1][None, :] == batch[:, 1][:, None]
            logits = logits.masked_fill(same & ~torch.eye(len(batch), dtype=torch.bool), -1e4)
            labels = torch.arange(len(batch))
            loss = (
                torch.nn.functional.cross_entropy(logits, labels)
                + torch.nn.functional.cross_entropy(logits.T, labels)
            ) / 2
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if time.monotonic() > deadline:
                break
        candidate = snapshot()
        recall = recall_at_k(candidate.transform(embeddings), held_out)
        history.append({"epoch": float(epoch), "loss": float(np.mean(losses)), "held_out_recall@10": recall})
        if recall > best_recall:
            best, best_recall, stale = candidate, recall, 0
        else:
            stale += 1
        if stale >= config.patience or time.monotonic() > deadline:
            break
    best.history = history
    return best
