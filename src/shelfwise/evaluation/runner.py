"""Evaluate any scorer on a split: full ranking in batches, then metrics, beyond-accuracy and segments."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from shelfwise.evaluation.metrics import (
    coverage,
    diversity,
    hits_from_ranks,
    mask_scores,
    ndcg_from_ranks,
    novelty,
    ranks_in_masked,
    reciprocal_ranks,
    top_k_in_masked,
)
from shelfwise.evaluation.report import EvaluationReport
from shelfwise.evaluation.segments import DEFAULT_EDGES, segment_breakdown
from shelfwise.evaluation.splits import EvalCases

# Any model's scorer: one history (item indices, oldest first) per row → (n_rows, n_items) scores.
ScoreFn = Callable[[list[np.ndarray]], np.ndarray]

DEFAULT_K_VALUES: tuple[int, ...] = (5, 10, 20)


def evaluate_scores(
    score_fn: ScoreFn,
    split: EvalCases,
    k_values: Sequence[int] = DEFAULT_K_VALUES,
    item_popularity: np.ndarray | None = None,
    exclude_history: bool = True,
    batch_size: int = 1024,
    *,
    model_name: str = "unnamed",
    model_version: str = "",
    split_name: str = "",
    segment_k: int = 10,
    user_edges: Sequence[int] = DEFAULT_EDGES,
    item_edges: Sequence[int] = DEFAULT_EDGES,
    item_embeddings: np.ndarray | None = None,
    item_categories: Sequence[str] | np.ndarray | None = None,
) -> EvaluationReport:
    """Rank every catalog item for each case and report HR/NDCG/MRR@K, coverage, novelty and segments.

    ``item_popularity`` = training interaction count per item (length n_items). It drives novelty and
    the cold/warm target-item segments; without it both are left out. Scores are computed
    ``batch_size`` cases at a time so memory stays near two copies of batch_size × n_items scores. History items are
    excluded (−inf) before ranking unless ``exclude_history`` is False (e.g. repeat-purchase domains).
    """
    if len(split) == 0:
        raise ValueError("the split has no evaluation cases")
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    k_values = sorted({int(k) for k in k_values})
    if not k_values or k_values[0] < 1:
        raise ValueError("k_values must be positive")
    max_k = max(*k_values, segment_k)

    rank_batches: list[np.ndarray] = []
    top_batches: list[np.ndarray] = []
    n_items = 0
    for start in range(0, len(split), batch_size):
        histories = [np.asarray(h, dtype=np.int64) for h in split.histories[start : start + batch_size]]
        targets = split.targets[start : start + batch_size]
        scores = np.asarray(score_fn(histories))
        if scores.shape[0] != len(histories):
            raise ValueError(f"score_fn returned {scores.shape[0]} rows for {len(histories)} histories")
        n_items = scores.shape[1]
        masked = mask_scores(scores, histories if exclude_history else None)
        rank_batches.append(ranks_in_masked(masked, targets))
        top_batches.append(top_k_in_masked(masked, max_k))
    ranks = np.concatenate(rank_batches)
    top_lists = np.concatenate(top_batches)
    if item_popularity is not None and len(item_popularity) != n_items:
        raise ValueError(f"item_popularity has {len(item_popularity)} entries for {n_items} scored items")

    metrics: dict[str, float] = {}
    coverage_at: dict[str, float] = {}
    novelty_at: dict[str, float] = {}
    diversity_at: dict[str, float] = {}
    for k in k_values:
        metrics[f"hr@{k}"] = float(hits_from_ranks(ranks, k).mean())
        metrics[f"ndcg@{k}"] = float(ndcg_from_ranks(ranks, k).mean())
        metrics[f"mrr@{k}"] = float(reciprocal_ranks(ranks, k).mean())
        coverage_at[f"@{k}"] = coverage(top_lists[:, :k], n_items)
        if item_popularity is not None:
            novelty_at[f"@{k}"] = novelty(top_lists[:, :k], item_popularity)
        if item_embeddings is not None or item_categories is not None:
            diversity_at[f"@{k}"] = diversity(top_lists[:, :k], item_embeddings, item_categories)

    notes: list[str] = []
    history_lengths = np.array([len(h) for h in split.histories], dtype=np.int64)
    target_counts = None
    if item_popularity is not None:
        popularity = np.asarray(item_popularity)
        target_counts = popularity[split.targets]
    else:
        notes.append("no item_popularity given: novelty and target-item segments left out")
    segments = segment_breakdown(
        ranks, history_lengths, target_counts, split.target_channels, segment_k, user_edges, item_edges
    )
    if exclude_history:
        in_history = sum(
            1
            for history, target in zip(split.histories, split.targets, strict=True)
            if target in set(np.asarray(history).tolist())
        )
        if in_history:
            # Repeat consumption: with history excluded these targets cannot be found; say so, do not hide it.
            notes.append(f"{in_history} of {len(split)} targets are in their own history and rank last")

    return EvaluationReport(
        model_name=model_name,
        model_version=model_version,
        split=split_name,
        n_cases=len(split),
        n_items=n_items,
        k_values=k_values,
        metrics=metrics,
        coverage=coverage_at,
        novelty=novelty_at,
        diversity=diversity_at,
        segment_k=segment_k,
        segments=segments,
        mean_rank=float(ranks.mean()),
        median_rank=float(np.median(ranks)),
        notes=notes,
    )
