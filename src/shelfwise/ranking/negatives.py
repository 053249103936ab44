"""Negative feedback as one re-scoring stage of every list: what the customer said no to (a
dismiss, a return, a 1–2 star rating; ``CustomerProfile.disliked``) leaves the list, and its near
duplicates — items whose text vectors are at least ``neighbour_similarity`` cosine-similar to a
disliked item — are scored down by ``neighbour_factor``.

Only candidates are compared with the disliked items (a few dozen dot products per request), so
the stage costs nothing measurable and reads nothing but the served version's vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from shelfwise.domain import ScoredItem
from shelfwise.history import ItemIndex
from shelfwise.settings.negatives import NegativeSettings


@dataclass(frozen=True)
class NegativeFeedback:
    settings: NegativeSettings
    index: ItemIndex | None = None  # the served version's items; None: no model yet (removal only)
    vectors: np.ndarray | None = None  # (items, d) L2-normalised text vectors in ``index`` order

    def apply(self, items: Sequence[ScoredItem], disliked: frozenset[str]) -> list[ScoredItem]:
        """``items`` (best first) without the disliked ones, near duplicates scored down and moved
        to where their new score belongs; the order of everything else is untouched."""
        if not disliked:
            return list(items)
        kept = [s for s in items if s.item_id not in disliked]
        near = self.near_duplicates(kept, disliked)
        if not near:
            return kept
        if self.settings.neighbour_factor == 0.0:
            return [s for s in kept if s.item_id not in near]
        lowered = sorted(
            (ScoredItem(s.item_id, self._lower(s.score), s.reasons) for s in kept if s.item_id in near),
            key=lambda s: -s.score,
        )
        return _merge([s for s in kept if s.item_id not in near], lowered)

    def near_duplicates(self, items: Sequence[ScoredItem], disliked: frozenset[str]) -> set[str]:
        """Ids among ``items`` at least ``neighbour_similarity`` similar to a disliked item."""
        if self.index is None or self.vectors is None:
            return set()
        bad = [p for p in (self.index.get(i) for i in disliked) if p is not None]
        rows = [(s.item_id, p) for s in items if (p := self.index.get(s.item_id)) is not None]
        if not bad or not rows:
            return set()
        similarity = self.vectors[[p for _, p in rows]] @ self.vectors[bad].T
        close = similarity.max(axis=1) >= self.settings.neighbour_similarity
        return {item_id for (item_id, _), hit in zip(rows, close, strict=True) if hit}

    def _lower(self, score: float) -> float:
        factor = self.settings.neighbour_factor
        return round(score * factor if score >= 0 else score / factor, 6)


def _merge(kept: list[ScoredItem], lowered: list[ScoredItem]) -> list[ScoredItem]:
    """Each lowered item goes before the first kept item it now outscores (kept order is kept)."""
    out: list[ScoredItem] = []
    pending = iter(lowered)
    next_low = next(pending, None)
    for item in kept:
        while next_low is not None and next_low.score > item.score:
            out.append(next_low)
            next_low = next(pending, None)
        out.append(item)
    if next_low is not None:
        out.append(next_low)
        out.extend(pending)
    return out
