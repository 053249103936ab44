"""Learning the tie rates ``r[x, y]`` without building every anchor's ties.

``fit_rates`` (ties.py) needs, per anchor, two things: the tie weight of the items bought with it
(a handful: the anchor's row of pair weights) and the categories in which *anything* is tied to it.
Building the anchor's full ``Ties`` answers both, but costs O(catalog) per anchor (item-length
arrays) plus a ``same_model`` test against every mention of the anchor's model codes: quadratic in
the catalog, and the largest stage of ``train`` from Beauty's size on (docs/scale.md: 54 → 148 →
215 s for 7.8k → 11.4k → 12.1k items; ≈ items^2.7).

Everything a tie depends on is known per *group*, not per item: two mentions are the same model
iff their (code, variants, line, brand) say so (``Mention.same_model``), a brand tie iff the
candidate names one of the anchor's brands without a model, a listed tie iff the candidate lists a
phrase the anchor names. So the groups, their compatible groups and their categories are computed
once, and each anchor costs what its groups and its bought-with row hold. The result is the same
``fit_rate`` matrix (tests/unit/complements/test_tie_rates.py compares it with the per-anchor
definition on several catalogs).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp

from shelfwise.complements.compat import CompatIndex, ItemModels, Mention

Signature = tuple[str, tuple[str, ...], str, str]  # code, variants, line, brand: all same_model reads


def _signature(mention: Mention) -> Signature:
    return (mention.code, mention.variants, mention.line, mention.brand)


def _rows_as_sets(matrix: sp.csr_matrix) -> list[frozenset[int]]:
    return [
        frozenset(matrix.indices[matrix.indptr[r] : matrix.indptr[r + 1]].tolist())
        for r in range(matrix.shape[0])
    ]


class TieGroups:
    """The catalog's ties by group: which groups of mentions name the same model, which items name a
    brand without a model, which items list a phrase, and the categories of each."""

    def __init__(
        self,
        index: CompatIndex,
        category_of: np.ndarray,
        fits: sp.csr_matrix,
        names: sp.csr_matrix,
    ) -> None:
        self.models: list[ItemModels] = index.models
        group_of: dict[Signature, int] = {}
        representative: list[Mention] = []
        group_categories: list[set[int]] = []
        self.item_groups: list[frozenset[int]] = []
        for item, found in enumerate(self.models):
            groups = set()
            for mention in found.mentions:
                group = group_of.setdefault(_signature(mention), len(group_of))
                if group == len(representative):
                    representative.append(mention)
                    group_categories.append(set())
                group_categories[group].add(int(category_of[item]))
                groups.add(group)
            self.item_groups.append(frozenset(groups))
        self.group_of = group_of
        self.compatible = self._compatible_groups(representative)
        self.group_categories = [frozenset(c) for c in group_categories]
        self.item_brands = [found.brand_only for found in self.models]
        brand_categories: dict[str, set[int]] = {}
        for item, found in enumerate(self.models):
            for brand in found.brand_only:
                brand_categories.setdefault(brand, set()).add(int(category_of[item]))
        self.brand_categories = {brand: frozenset(c) for brand, c in brand_categories.items()}
        self.item_phrases = _rows_as_sets(fits)  # phrases each item lists as compatible
        self.anchor_phrases = _rows_as_sets(names)  # phrases each item names
        by_phrase = fits.T.tocsr()
        self.phrase_categories = [
            frozenset(category_of[by_phrase.indices[by_phrase.indptr[p] : by_phrase.indptr[p + 1]]].tolist())
            for p in range(by_phrase.shape[0])
        ]

    @staticmethod
    def _compatible_groups(representative: list[Mention]) -> list[frozenset[int]]:
        """Per group, the groups of the same code and variants whose mentions are the same model."""
        by_model: dict[tuple[str, tuple[str, ...]], list[int]] = {}
        for group, mention in enumerate(representative):
            by_model.setdefault((mention.code, mention.variants), []).append(group)
        compatible: list[frozenset[int]] = [frozenset()] * len(representative)
        for groups in by_model.values():
            for group in groups:
                mine = representative[group]
                compatible[group] = frozenset(g for g in groups if mine.same_model(representative[g]))
        return compatible

    def anchor_ties(self, anchor: int) -> tuple[frozenset[int], frozenset[int], frozenset[str]]:
        """(groups naming the anchor's models, phrases the anchor names, brands of its mentions)."""
        groups: frozenset[int] = frozenset()
        for group in self.item_groups[anchor]:
            groups |= self.compatible[group]
        return groups, self.anchor_phrases[anchor], self.models[anchor].brands

    def tied_categories(self, anchor: int) -> list[int]:
        """Categories holding at least one item tied to ``anchor`` (exact, listed or brand)."""
        groups, phrases, brands = self.anchor_ties(anchor)
        found: set[int] = set()
        for group in groups:
            found |= self.group_categories[group]
        for phrase in phrases:
            found |= self.phrase_categories[phrase]
        for brand in brands:
            found |= self.brand_categories.get(brand, frozenset())
        return sorted(found)

    def weights(self, anchor: int, items: Iterable[int], brand_tie: float) -> np.ndarray:
        """The tie weight of each of ``items`` to ``anchor``: 1 exact or listed, ``brand_tie`` for a
        brand named without a model, 0 otherwise (``make_ties``'s weights, for these items only)."""
        groups, phrases, brands = self.anchor_ties(anchor)
        out = []
        for item in items:
            if not groups.isdisjoint(self.item_groups[item]) or not phrases.isdisjoint(
                self.item_phrases[item]
            ):
                out.append(1.0)
            elif not brands.isdisjoint(self.item_brands[item]):
                out.append(brand_tie)
            else:
                out.append(0.0)
        return np.asarray(out, dtype=np.float64)


def fit_rates_by_group(
    weight: sp.csr_matrix,
    groups: TieGroups,
    category_of: np.ndarray,
    n_categories: int,
    prior: float,
    brand_tie: float,
) -> np.ndarray:
    """``ties.fit_rates`` computed from the groups: the same pooled, smoothed share of each category
    pair's pair weight that fell on tied pairs."""
    total = np.zeros((n_categories, n_categories), dtype=np.float64)
    tied = np.zeros_like(total)
    for anchor in range(weight.shape[0]):
        start, end = weight.indptr[anchor], weight.indptr[anchor + 1]
        if start == end:
            continue
        categories = groups.tied_categories(anchor)
        if not categories:
            continue
        items, values = weight.indices[start:end], weight.data[start:end]
        with_ties = np.zeros(n_categories, dtype=bool)
        with_ties[categories] = True
        counted = with_ties[category_of[items]]
        if not counted.any():
            continue
        source = int(category_of[anchor])
        kept = items[counted]
        ties = groups.weights(anchor, kept.tolist(), brand_tie)
        np.add.at(total[source], category_of[kept], values[counted])
        np.add.at(tied[source], category_of[kept], values[counted] * ties)
    overall = float(tied.sum() / total.sum()) if total.sum() > 0 else 0.0
    return ((tied + prior * overall) / (total + prior)).astype(np.float32)
