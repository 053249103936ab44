"""Greedy selection under a per-category cap with MMR diversity over text embeddings.

Maximal marginal relevance picks, one at a time, the candidate maximising
``(1 − λ) · relevance − λ · max cosine to the items already chosen``, relevance being the score
scaled to 0..1 over the candidates. With λ = 0 and no cap this is plain score order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def select(
    scores: Sequence[float],
    categories: Sequence[str | None],
    k: int,
    max_per_category: int | None = None,
    diversity: float = 0.0,
    vectors: np.ndarray | None = None,
    chosen: Sequence[int] = (),
) -> list[int]:
    """Indices of up to ``k`` candidates (``chosen`` first, e.g. pins), best first.

    The cap is a preference: when it would leave fewer than ``k`` items while candidates remain, a
    second pass fills the list without it (diversity only reorders, so it never loses items).
    ``vectors`` (one L2-normalised row per candidate) is needed only when ``diversity > 0``."""
    n = len(scores)
    picked = list(chosen)[:k]
    if n == 0 or len(picked) >= k:
        return picked
    values = np.asarray(scores, dtype=np.float64)
    finite = np.isfinite(values)
    low, high = (values[finite].min(), values[finite].max()) if finite.any() else (0.0, 1.0)
    relevance = np.where(finite, (values - low) / (high - low) if high > low else 1.0, 0.0)
    use_mmr = diversity > 0 and vectors is not None and len(vectors) == n
    max_sim = np.zeros(n)
    if use_mmr:
        for j in picked:
            max_sim = np.maximum(max_sim, vectors @ vectors[j])  # type: ignore[index]
    available = np.ones(n, dtype=bool)
    available[picked] = False
    per_category: dict[str, int] = {}
    for j in picked:
        if categories[j] is not None:
            per_category[categories[j]] = per_category.get(categories[j], 0) + 1  # type: ignore[index]
    if not use_mmr:
        return _in_score_order(relevance, categories, k, max_per_category, picked, per_category, available)

    # The cap as arrays: one mask per pick instead of a Python check per candidate (with MMR the
    # pick loop runs k times over every candidate). Categories become codes; uncategorised items
    # share a slot whose count stays 0, so they are never capped.
    slots: dict[str, int] = {}
    codes = np.fromiter(
        (slots.setdefault(c, len(slots)) if c is not None else -1 for c in categories), np.int64, n
    )
    codes[codes < 0] = len(slots)
    counts = np.zeros(len(slots) + 1, dtype=np.int64)
    for category, count in per_category.items():
        counts[slots[category]] = count
    for enforce_cap in (True, False):
        while len(picked) < k:
            allowed = available
            if enforce_cap and max_per_category is not None:  # without a cap nothing is capped
                allowed = available & (counts[codes] < max_per_category)
            eligible = np.flatnonzero(allowed)
            if eligible.size == 0:
                break
            objective = (1 - diversity) * relevance[eligible] - diversity * max_sim[eligible]
            best = int(eligible[int(np.argmax(objective))])  # argmax keeps the first (higher-scored) on ties
            picked.append(best)
            available[best] = False
            if categories[best] is not None:
                counts[codes[best]] += 1
            max_sim = np.maximum(max_sim, vectors @ vectors[best])  # type: ignore[index]
    return picked


def _in_score_order(
    relevance: np.ndarray,
    categories: Sequence[str | None],
    k: int,
    max_per_category: int | None,
    picked: list[int],
    per_category: dict[str, int],
    available: np.ndarray,
) -> list[int]:
    """The greedy picks without MMR in one walk down the scores: each pick is the best remaining
    uncapped candidate, and a candidate capped when its turn comes stays capped (counts only grow),
    so the walk takes what the greedy loop would and keeps the capped ones, in score order, for the
    relaxed second pass. A stable sort breaks ties by position, as ``argmax`` does."""
    skipped: list[int] = []
    for j in np.argsort(-relevance, kind="stable").tolist():
        if len(picked) >= k:
            break
        if not available[j]:
            continue
        category = categories[j]
        if max_per_category is not None and category is not None:
            if per_category.get(category, 0) >= max_per_category:
                skipped.append(j)
                continue
            per_category[category] = per_category.get(category, 0) + 1
        picked.append(j)
    return picked + skipped[: max(k - len(picked), 0)]
