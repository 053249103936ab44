"""The protocol every next-item recommender follows, and the data it is fitted on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Self, runtime_checkable

import numpy as np

from shelfwise.engine import Engine


@dataclass
class TrainingData:
    """Chronological item sequences, one per customer; items are dense indices ``0..n_items-1``."""

    n_items: int
    sequences: list[np.ndarray]
    item_embeddings: np.ndarray | None = None  # (n_items, d), L2-normalised, or None
    # (n_items,) time-decayed popularity in [0, 1] for customers with no history; None: plain counts.
    trending: np.ndarray | None = None
    # (len(sequences),) each customer's latest event time: when a budget cuts the learning short,
    # the most recent customers are learned from first. None: sequence order.
    recency: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.sequences = [np.asarray(s, dtype=np.int32) for s in self.sequences]
        if self.item_embeddings is not None and self.item_embeddings.shape[0] != self.n_items:
            raise ValueError(
                f"item_embeddings has {self.item_embeddings.shape[0]} rows but n_items is {self.n_items}"
            )
        if self.trending is not None and self.trending.shape[0] != self.n_items:
            raise ValueError(f"trending has {self.trending.shape[0]} entries but n_items is {self.n_items}")
        for seq in self.sequences:
            if seq.size and (seq.min() < 0 or seq.max() >= self.n_items):
                raise ValueError("sequence holds an item index outside 0..n_items-1")


@dataclass
class FitOptions:
    seed: int = 0
    max_minutes: float = 20.0
    threads: int = 1
    progress: bool = True
    # Where the heavy counting and the ranker's training rows run (None: in this process).
    engine: Engine | None = None


@dataclass
class Evidence:
    """Why one item was recommended: the history item that contributed most, and how."""

    item: int
    source: str  # "transition", "similar_text", "trending", "popular"
    history_item: int | None = None
    weight: float = 0.0
    notes: list[str] = field(default_factory=list)
    # The fact behind the evidence, when one can be counted: customers who chose ``item`` soon after
    # ``history_item`` (transition), or the item's rank among all items (trending, popular).
    count: int | None = None


@runtime_checkable
class SequentialRecommender(Protocol):
    def fit(self, data: TrainingData, options: FitOptions) -> dict[str, float]:
        """Fit on the sequences; return validation metrics (names → values)."""
        ...

    def score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        """(len(histories), n_items) float32, higher is better. History items are NOT masked here."""
        ...

    def save(self, directory: Path) -> None: ...

    @classmethod
    def load(cls, directory: Path) -> Self: ...
