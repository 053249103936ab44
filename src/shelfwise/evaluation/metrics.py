"""Offline metrics as pure functions on ranked lists, ranks, scores and labels.

Two families:

* **List metrics** take one ranked list of item indices (best first) and the relevant items
  (``hit_rate_at_k``, ``recall_at_k``, ``ndcg_at_k``, ``mrr_at_k``), for any number of relevant items.
* **Rank metrics** take an array of 1-based target ranks from a full-ranking evaluation
  (``rank_of_target`` / ``target_ranks``) and return one value per user (``hits_from_ranks``,
  ``ndcg_from_ranks``, ``reciprocal_ranks``), so callers can average them overall or per segment.

Ties count *against* the target: a scorer that gives every item the same score puts the target last,
never first, so a sparse or broken scorer cannot look good by accident.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from itertools import combinations

import numpy as np

RankedList = Sequence[int] | np.ndarray


# ---------------------------------------------------------------- list metrics (one ranked list)


def _top_k(ranked: RankedList, k: int) -> list[int]:
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    return [int(item) for item in list(ranked)[:k]]


def hit_rate_at_k(ranked: RankedList, relevant: Collection[int], k: int) -> float:
    """1.0 when any relevant item is in the top ``k``, else 0.0."""
    relevant_set = {int(item) for item in relevant}
    return float(any(item in relevant_set for item in _top_k(ranked, k)))


def recall_at_k(ranked: RankedList, relevant: Collection[int], k: int) -> float:
    """Share of the relevant items found in the top ``k`` (denominator: all relevant items)."""
    relevant_set = {int(item) for item in relevant}
    if not relevant_set:
        raise ValueError("recall is undefined without relevant items")
    found = sum(1 for item in set(_top_k(ranked, k)) if item in relevant_set)
    return found / len(relevant_set)


def ndcg_at_k(ranked: RankedList, relevance: Collection[int] | Mapping[int, float], k: int) -> float:
    """Normalised discounted cumulative gain with linear gains.

    ``relevance`` is either a collection of relevant items (binary gain 1) or a mapping item → graded
    gain (e.g. a rating, or 3 for a purchase and 1 for a click). DCG = Σ gain_i / log2(i + 1) over
    positions i = 1..k; IDCG is the DCG of the best possible ordering of the known gains.
    """
    gains = (
        {int(item): float(gain) for item, gain in relevance.items()}
        if isinstance(relevance, Mapping)
        else {int(item): 1.0 for item in relevance}
    )
    if any(gain < 0 for gain in gains.values()):
        raise ValueError("gains must be >= 0")
    top = _top_k(ranked, k)
    # A repeated item earns its gain once (at its first position), so NDCG can never exceed 1.
    first_seen = {item: position for position, item in reversed(list(enumerate(top, start=1)))}
    dcg = sum(gains.get(item, 0.0) / np.log2(position + 1) for item, position in first_seen.items())
    ideal = sorted(gains.values(), reverse=True)[:k]
    idcg = sum(gain / np.log2(position + 1) for position, gain in enumerate(ideal, start=1))
    return float(dcg / idcg) if idcg > 0 else 0.0


def mrr_at_k(ranked: RankedList, relevant: Collection[int], k: int) -> float:
    """Reciprocal rank of the first relevant item in the top ``k`` (0.0 when none is there)."""
    relevant_set = {int(item) for item in relevant}
    for position, item in enumerate(_top_k(ranked, k), start=1):
        if item in relevant_set:
            return 1.0 / position
    return 0.0


# ---------------------------------------------------------------- full ranking: target ranks


def rank_of_target(
    scores: np.ndarray, target: int, exclude: Collection[int] | np.ndarray | None = None
) -> int:
    """1-based rank of ``target`` among all items.

    rank = 1 + #items scoring higher + #other items scoring equal. Excluded items (the user's history)
    are set to −inf first; NaN scores are treated as −inf (no opinion). A target that is itself excluded
    therefore ranks below every non-excluded item.
    """
    return int(
        target_ranks(
            np.asarray(scores)[None, :], np.array([target]), [exclude] if exclude is not None else None
        )[0]
    )


def mask_scores(
    scores: np.ndarray, exclude: Sequence[Collection[int] | np.ndarray] | None = None
) -> np.ndarray:
    """A copy of a (n_users, n_items) score matrix with NaN and excluded items set to −inf.

    Floating inputs keep their dtype (a float32 batch is not doubled in memory); others become float64.
    """
    matrix = np.array(scores, copy=True)
    if not np.issubdtype(matrix.dtype, np.floating):
        matrix = matrix.astype(np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"scores must be (n_users, n_items), got shape {matrix.shape}")
    matrix[np.isnan(matrix)] = -np.inf
    if exclude is not None:
        if len(exclude) != matrix.shape[0]:
            raise ValueError("need one exclusion list per row")
        for row, items in enumerate(exclude):
            excluded = np.asarray(items if isinstance(items, np.ndarray) else list(items), dtype=np.int64)
            if excluded.size:
                matrix[row, excluded] = -np.inf
    return matrix


def target_ranks(
    scores: np.ndarray,
    targets: np.ndarray,
    exclude: Sequence[Collection[int] | np.ndarray] | None = None,
) -> np.ndarray:
    """Vectorised ``rank_of_target`` over a (n_users, n_items) score matrix; returns int64 ranks."""
    return ranks_in_masked(mask_scores(scores, exclude), targets)


def ranks_in_masked(masked: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Target ranks in a matrix already passed through ``mask_scores`` (saves a copy per batch)."""
    targets = np.asarray(targets, dtype=np.int64)
    if targets.shape != (masked.shape[0],):
        raise ValueError(f"need one target per row: {targets.shape} vs {masked.shape[0]} rows")
    if targets.size and (targets.min() < 0 or targets.max() >= masked.shape[1]):
        raise ValueError("target index outside the item range")
    target_scores = masked[np.arange(len(targets)), targets][:, None]
    higher = (masked > target_scores).sum(axis=1)
    equal_others = (masked == target_scores).sum(axis=1) - 1
    return (1 + higher + equal_others).astype(np.int64)


def hits_from_ranks(ranks: np.ndarray, k: int) -> np.ndarray:
    """Per-user hit (1.0 / 0.0) for target ranks."""
    return (np.asarray(ranks) <= k).astype(np.float64)


def ndcg_from_ranks(ranks: np.ndarray, k: int) -> np.ndarray:
    """Per-user NDCG@k for one relevant item: 1 / log2(rank + 1) inside the top k, else 0."""
    ranks = np.asarray(ranks, dtype=np.float64)
    return np.where(ranks <= k, 1.0 / np.log2(ranks + 1.0), 0.0)


def reciprocal_ranks(ranks: np.ndarray, k: int) -> np.ndarray:
    """Per-user reciprocal rank cut at k (MRR@k once averaged)."""
    ranks = np.asarray(ranks, dtype=np.float64)
    return np.where(ranks <= k, 1.0 / ranks, 0.0)


def top_k_items(
    scores: np.ndarray, k: int, exclude: Sequence[Collection[int] | np.ndarray] | None = None
) -> np.ndarray:
    """(n_users, k) item indices of the k best scores per row, best first, excluded items removed."""
    return top_k_in_masked(mask_scores(scores, exclude), k)


def top_k_in_masked(masked: np.ndarray, k: int) -> np.ndarray:
    """``top_k_items`` on a matrix already passed through ``mask_scores``."""
    k = min(k, masked.shape[1])
    part = np.argpartition(-masked, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(masked, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


# ---------------------------------------------------------------- scores vs labels


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """ROC AUC: probability that a random positive outscores a random negative (ties count 0.5)."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels).astype(bool)
    n_pos = int(labels.sum())
    n_neg = int(labels.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        raise ValueError("AUC needs at least one positive and one negative label")
    # Mann–Whitney U with average ranks: tied pairs contribute exactly one half.
    from scipy.stats import rankdata  # ~1 s of import: only where a rank statistic is computed

    ranks = rankdata(scores, method="average")
    u = ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def logloss(probabilities: np.ndarray, labels: np.ndarray, eps: float = 1e-7) -> float:
    """Mean binary cross-entropy; probabilities are clipped to [eps, 1 − eps] so one 0 or 1 is finite."""
    p = np.clip(np.asarray(probabilities, dtype=np.float64), eps, 1.0 - eps)
    y = np.asarray(labels, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


def mae(predictions: np.ndarray, targets: np.ndarray) -> float:
    return float(
        np.mean(np.abs(np.asarray(predictions, dtype=np.float64) - np.asarray(targets, dtype=np.float64)))
    )


def rmse(predictions: np.ndarray, targets: np.ndarray) -> float:
    errors = np.asarray(predictions, dtype=np.float64) - np.asarray(targets, dtype=np.float64)
    return float(np.sqrt(np.mean(errors**2)))


# ---------------------------------------------------------------- beyond accuracy


def coverage(recommendation_lists: Sequence[RankedList] | np.ndarray, n_items: int) -> float:
    """Share of the catalog's ``n_items`` that appear in at least one recommendation list."""
    if n_items < 1:
        raise ValueError("n_items must be >= 1")
    shown: set[int] = set()
    for items in recommendation_lists:
        shown.update(int(item) for item in items)
    return len(shown) / n_items


def novelty(recommendation_lists: Sequence[RankedList] | np.ndarray, item_popularity: np.ndarray) -> float:
    """Mean self-information −log2(share) of recommended items, share = count / total count.

    Items never seen in training are counted as seen once (the rarest possible observation), so their
    self-information stays finite.
    """
    counts = np.maximum(np.asarray(item_popularity, dtype=np.float64), 1.0)
    total = float(np.asarray(item_popularity, dtype=np.float64).sum())
    if total <= 0:
        raise ValueError("item_popularity must contain at least one interaction")
    recommended = (
        np.concatenate([np.asarray(items, dtype=np.int64).ravel() for items in recommendation_lists])
        if len(recommendation_lists)
        else np.array([], dtype=np.int64)
    )
    if recommended.size == 0:
        return 0.0
    return float(np.mean(-np.log2(counts[recommended] / total)))


def diversity(
    recommendation_lists: Sequence[RankedList] | np.ndarray,
    item_embeddings: np.ndarray | None = None,
    item_categories: Sequence[str] | np.ndarray | None = None,
) -> float:
    """Mean intra-list diversity over lists with at least two items.

    With embeddings: 1 − mean pairwise cosine similarity. Without: 1 − share of pairs in the same
    category (the category acts as a 0/1 similarity). Lists shorter than two items are skipped.
    """
    if item_embeddings is None and item_categories is None:
        raise ValueError("diversity needs item_embeddings or item_categories")
    normalised = None
    if item_embeddings is not None:
        vectors = np.asarray(item_embeddings, dtype=np.float64)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        normalised = vectors / np.where(norms > 0, norms, 1.0)
    per_list: list[float] = []
    for items in recommendation_lists:
        indices = [int(item) for item in items]
        if len(indices) < 2:
            continue
        if normalised is not None:
            block = normalised[indices]
            similarity = block @ block.T
            upper = similarity[np.triu_indices(len(indices), k=1)]
            per_list.append(1.0 - float(upper.mean()))
        else:
            assert item_categories is not None
            pairs = list(combinations(indices, 2))
            same = sum(1 for a, b in pairs if item_categories[a] == item_categories[b])
            per_list.append(1.0 - same / len(pairs))
    return float(np.mean(per_list)) if per_list else 0.0
