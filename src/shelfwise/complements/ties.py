"""Model ties between an anchor and every candidate, and the kind-level term that uses them.

Tie levels, strongest first (docs/complements.md):

* **exact**: the candidate names the anchor's model ("Case for Vexo Q9" for the Vexo Q9), in its
  title, description or a ``compatible_with`` list; weight 1;
* **brand**: it names the anchor's brand without a model ("Vexo 20W Charger"); weight ``brand_tie``;
* **other model**: it names a model of an item in the anchor's own category that is not the anchor's
  (another phone, a case for another phone): a substitute or a misfit, scaled down;
* none: the kind-level prior alone (earbuds go with phones).

How much of a category pair's purchases go to tied items is learned from behaviour: ``fit_rate[x, y]``
is the share of the x → y pair weight that fell on tied pairs (cases: nearly all, earbuds: none;
fitted by tie_rates.py).
That share of the category relation K[x, y] is split among the items tied to the anchor by their
popularity (plus smoothing, so a case nobody has bought yet still gets its share); the rest goes to
every item of y by popularity, as before. Where nothing in y is tied to the anchor, all of K[x, y]
goes by popularity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from shelfwise.complements.compat import CompatIndex, Mention, ModelTie


@dataclass(frozen=True)
class Ties:
    """One anchor's ties to ``n`` candidates."""

    exact: Mapping[int, ModelTie | str]  # candidate → the tie (mentions) or the listed phrase
    brand: Mapping[int, str]  # candidate → the brand it names
    weight: np.ndarray  # float per candidate: 1 exact, brand_tie brand-level, 0 otherwise
    other_model: np.ndarray  # bool per candidate: names another model of the anchor's category
    names_models: bool  # the anchor names at least one model (else "other model" means nothing)
    tied: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tied", self.weight >= 1.0)


def make_ties(
    n: int,
    exact: Mapping[int, ModelTie | str],
    brand: Mapping[int, str],
    named_in_anchor_category: np.ndarray,
    names_models: bool,
    brand_tie: float,
) -> Ties:
    weight = np.zeros(n, dtype=np.float32)
    if brand:
        weight[list(brand)] = brand_tie
    if exact:
        weight[list(exact)] = 1.0
    other = named_in_anchor_category & (weight == 0) if names_models else np.zeros(n, dtype=bool)
    return Ties(exact, brand, weight, other, names_models)


def named_categories(index: CompatIndex, category_of: np.ndarray, n_categories: int) -> sp.csr_matrix:
    """``[b, c]`` = 1 when item b names a model that an item of category c also names.

    Whether two mentions of one model (code and variants) are the same model depends only on their
    line word and brand, so the mentions of a model are grouped by (line, brand) and the test runs
    once per pair of groups: asking ``same_model`` item by item compared every mention with its
    whole model group (a bare "2" or "4" is named by thousands of Home Depot titles) and took 267 s
    of the 333-s complement step there, at every model load too."""
    pairs: set[tuple[int, int]] = set()
    for mentions in index.model_groups():
        by_signature: dict[tuple[str, str], list[tuple[int, Mention]]] = {}
        for item, mention in mentions:
            by_signature.setdefault((mention.line, mention.brand), []).append((item, mention))
        groups = list(by_signature.values())
        categories = [{int(category_of[item]) for item, _ in group} for group in groups]
        for group in groups:
            mine = group[0][1]
            reached: set[int] = set()
            for other, other_categories in zip(groups, categories, strict=True):
                if mine.same_model(other[0][1]):
                    reached |= other_categories
            pairs.update((item, category) for item, _ in group for category in reached)
    rows = np.fromiter((item for item, _ in pairs), dtype=np.int64, count=len(pairs))
    cols = np.fromiter((category for _, category in pairs), dtype=np.int64, count=len(pairs))
    data = np.ones(len(pairs), dtype=np.float32)
    matrix = sp.csr_matrix((data, (rows, cols)), shape=(len(index), n_categories))
    matrix.sort_indices()
    return matrix


def kind_scores(
    strength: np.ndarray,
    rate: np.ndarray,
    category_of: np.ndarray,
    share: np.ndarray,
    best_share: np.ndarray,
    smoothing: np.ndarray,
    title_match: np.ndarray,
    ties: Ties,
    fit_weight: float,
    other_model_factor: float,
) -> np.ndarray:
    """K[x, y] · ((1 − r) · (share + fit_weight · title match · best share) + r · tied share),
    × ``other_model_factor`` for candidates made for another model. ``strength`` and ``rate`` are
    the anchor category's rows; ``smoothing`` is per category (a new tied item's pseudo-share)."""
    n_categories = len(strength)
    base = share + fit_weight * title_match * best_share[category_of]
    tied = np.flatnonzero(ties.weight)
    if not tied.size:
        scores = strength[category_of] * base
    else:
        # The tied share is computed on the tied items only: most anchors tie a handful of items.
        mass = ties.weight[tied] * (share[tied] + smoothing[category_of[tied]])
        categories = category_of[tied]
        per_category = np.bincount(categories, weights=mass, minlength=n_categories)
        # Where nothing is tied to the anchor, the whole relation goes by popularity (r = 0 there).
        r = np.where(per_category > 0, rate, 0.0)
        scores = strength[category_of] * (1.0 - r[category_of]) * base
        scores[tied] += strength[categories] * r[categories] * mass / per_category[categories]
    scores[ties.other_model] *= other_model_factor
    return scores.astype(np.float32)
