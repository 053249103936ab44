"""``select`` with MMR picks exactly what the per-candidate greedy loop it replaced picked (the cap
checked in Python per candidate per pick), on random lists with ties, uncategorised items, pins
and every cap; plus one case worked by hand."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from shelfwise.ranking.diversity import select


def _reference(
    scores: Sequence[float],
    categories: Sequence[str | None],
    k: int,
    max_per_category: int | None,
    diversity: float,
    vectors: np.ndarray,
    chosen: Sequence[int] = (),
) -> list[int]:
    """The MMR branch of ``select`` before branch h16cold, kept verbatim as the oracle."""
    n = len(scores)
    picked = list(chosen)[:k]
    if n == 0 or len(picked) >= k:
        return picked
    values = np.asarray(scores, dtype=np.float64)
    finite = np.isfinite(values)
    low, high = (values[finite].min(), values[finite].max()) if finite.any() else (0.0, 1.0)
    relevance = np.where(finite, (values - low) / (high - low) if high > low else 1.0, 0.0)
    max_sim = np.zeros(n)
    for j in picked:
        max_sim = np.maximum(max_sim, vectors @ vectors[j])
    available = np.ones(n, dtype=bool)
    available[picked] = False
    per_category: dict[str, int] = {}
    for j in picked:
        if categories[j] is not None:
            per_category[categories[j]] = per_category.get(categories[j], 0) + 1  # type: ignore[index]

    def capped(j: int) -> bool:
        category = categories[j]
        return (
            max_per_category is not None
            and category is not None
            and per_category.get(category, 0) >= max_per_category
        )

    for enforce_cap in (True, False):
        while len(picked) < k:
            eligible = np.flatnonzero(available)
            if enforce_cap and max_per_category is not None:
                eligible = np.asarray([j for j in eligible if not capped(int(j))], dtype=np.int64)
            if eligible.size == 0:
                break
            objective = (1 - diversity) * relevance[eligible] - diversity * max_sim[eligible]
            best = int(eligible[int(np.argmax(objective))])
            picked.append(best)
            available[best] = False
            if categories[best] is not None:
                per_category[categories[best]] = per_category.get(categories[best], 0) + 1  # type: ignore[index]
            max_sim = np.maximum(max_sim, vectors @ vectors[best])
    return picked


@pytest.mark.parametrize("seed", range(200))
def test_mmr_picks_equal_the_per_candidate_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    # Rounded scores give ties; a few infinite ones are out of the relevance scale.
    scores = np.round(rng.random(n) * 4, 1)
    scores[rng.random(n) < 0.05] = -np.inf
    labels = [None, "a", "b", "c", "d > e", "f"][: int(rng.integers(1, 7))]
    categories = [labels[int(i)] for i in rng.integers(0, len(labels), n)]
    vectors = rng.standard_normal((n, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    k = int(rng.integers(1, 15))
    cap = [None, 1, 2, 3][int(rng.integers(0, 4))]
    diversity = float(rng.choice([0.1, 0.2, 0.5, 1.0]))
    chosen = [int(i) for i in rng.choice(n, int(rng.integers(0, min(3, n) + 1)), replace=False)]
    expected = _reference(scores.tolist(), categories, k, cap, diversity, vectors, chosen)
    assert select(scores.tolist(), categories, k, cap, diversity, vectors, chosen) == expected


def test_cap_then_diversity_by_hand() -> None:
    # Three "a" items score highest; with at most two per category the third pick is the best
    # other one, then the relaxed pass takes the last "a". Uncategorised items are never capped.
    scores = [1.0, 0.9, 0.8, 0.1, 0.0]
    categories = ["a", "a", "a", None, None]
    vectors = np.eye(5, dtype=np.float32)  # orthogonal: diversity changes nothing here
    assert select(scores, categories, 5, 2, 0.2, vectors) == [0, 1, 3, 4, 2]
    assert select(scores, categories, 3, 1, 0.2, vectors) == [0, 3, 4]
