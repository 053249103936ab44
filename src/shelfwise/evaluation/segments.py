"""Per-segment breakdown of full-ranking metrics: who and what the model serves well or badly.

Segments (each case falls into one bucket of each family):

* ``user_history:<bucket>``: length of the history the model saw (cold users have short histories);
* ``target_item:<bucket>``: how often the target item occurred in training (cold items are rare);
* ``channel:<name>``: the channel of the target event, when known.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from shelfwise.evaluation.metrics import hits_from_ranks, ndcg_from_ranks, reciprocal_ranks

# Upper bounds (inclusive) of every bucket but the last: (2, 9) → "<=2", "3-9", ">=10".
DEFAULT_EDGES: tuple[int, ...] = (2, 9)


def bucket_labels(edges: Sequence[int] = DEFAULT_EDGES) -> list[str]:
    """Readable labels for count buckets, e.g. ``["<=2", "3-9", ">=10"]``."""
    if list(edges) != sorted(set(edges)) or not edges:
        raise ValueError("edges must be strictly increasing and non-empty")
    labels = [f"<={edges[0]}"]
    labels += [
        f"{low + 1}-{high}" if high > low + 1 else f"{high}" for low, high in itertools.pairwise(edges)
    ]
    labels.append(f">={edges[-1] + 1}")
    return labels


def bucketize(counts: np.ndarray, edges: Sequence[int] = DEFAULT_EDGES) -> np.ndarray:
    """Label of each count's bucket (object array of strings)."""
    labels = np.array(bucket_labels(edges), dtype=object)
    # searchsorted(side="left") puts a count equal to an edge into that edge's (inclusive) bucket.
    return labels[np.searchsorted(np.asarray(edges), np.asarray(counts), side="left")]


def metrics_for(ranks: np.ndarray, k: int) -> dict[str, float]:
    """{n, hr@k, ndcg@k, mrr@k} averaged over the given ranks (zeros for an empty group)."""
    if len(ranks) == 0:
        return {"n": 0.0, f"hr@{k}": 0.0, f"ndcg@{k}": 0.0, f"mrr@{k}": 0.0}
    return {
        "n": float(len(ranks)),
        f"hr@{k}": float(hits_from_ranks(ranks, k).mean()),
        f"ndcg@{k}": float(ndcg_from_ranks(ranks, k).mean()),
        f"mrr@{k}": float(reciprocal_ranks(ranks, k).mean()),
    }


def segment_breakdown(
    ranks: np.ndarray,
    history_lengths: np.ndarray,
    target_train_counts: np.ndarray | None,
    target_channels: np.ndarray | None,
    k: int = 10,
    user_edges: Sequence[int] = DEFAULT_EDGES,
    item_edges: Sequence[int] = DEFAULT_EDGES,
) -> dict[str, dict[str, float]]:
    """{segment: {n, hr@k, ndcg@k, mrr@k}} for every non-empty segment, in a stable order.

    Families whose input is None (no training counts, no channels) are left out.
    """
    ranks = np.asarray(ranks)
    families: list[tuple[str, np.ndarray, list[str]]] = [
        ("user_history", bucketize(history_lengths, user_edges), bucket_labels(user_edges))
    ]
    if target_train_counts is not None:
        families.append(
            ("target_item", bucketize(target_train_counts, item_edges), bucket_labels(item_edges))
        )
    if target_channels is not None:
        channels = np.asarray(target_channels, dtype=object)
        families.append(("channel", channels, sorted({str(c) for c in channels})))
    breakdown: dict[str, dict[str, float]] = {}
    for family, labels, ordered in families:
        for label in ordered:
            mask = labels == label
            if mask.any():
                breakdown[f"{family}:{label}"] = metrics_for(ranks[mask], k)
    return breakdown
