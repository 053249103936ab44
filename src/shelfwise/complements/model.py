"""The complement model: what goes with an item (other kinds of items), and what resembles it.

Complement score of candidate b for anchor a (docs/complements.md has the reasoning)::

    item(a→b)      = customers who bought b with or soon after a (directional weights)
                     / (buyers of a + shrinkage)
    transfer(a→b)  = for an anchor with little history: the item term of its nearest warm items by
                     text embedding, averaged by similarity (the language model fills in), minus what
                     fits only the neighbour's model
    category(a→b)  = K[cat a, cat b] · (share(b) + fit_weight · fit(a, b) · best share in b's category),
                     × other_model_factor for items made for another model than a's
        K[x, y]    = directional item evidence summed over categories x → y / purchases in x,
                     smoothed toward the overall category mix
        fit(a, b)  = max(title word match, 1 if b lists a model a names as compatible or shares a
                     model code with a's title)
        share(b)   = b's share of its category's purchases, so K · share estimates P(b | cat a)
    score          = item + transfer_weight · transfer + category_weight · category,
                     × same_category_factor when b is in a's category (complements are other kinds)

Similar items: cosine of text embeddings + coview_weight · (customers who viewed both in one
session without buying both / viewers of a), × other_category_factor outside a's category.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Self

import numpy as np
import scipy.sparse as sp

from shelfwise.complements.baskets import CoCounts
from shelfwise.complements.categories import CategoryLabels
from shelfwise.complements.textmatch import (
    WORD,
    build_compatibility,
    build_title_index,
    is_model_code,
    shared_model_phrase,
)
from shelfwise.errors import ModelError

_MATRICES = ("confidence", "together", "after", "coview_conf", "coview", "titles", "fits", "names")


@dataclass(frozen=True)
class ComplementConfig:
    min_buyers: int = 3  # an anchor with fewer buyers is cold: it borrows its neighbours' relations
    neighbours: int = 5
    transfer_weight: float = 0.2
    category_weight: float = 1.0
    fit_weight: float = 0.7
    same_category_factor: float = 0.15
    coview_weight: float = 0.5
    other_category_factor: float = 0.5
    # Pair evidence is divided by (buyers of the anchor + shrinkage): one coincidental follow-up of
    # an item three people bought must not outweigh what the whole category shows.
    shrinkage: float = 50.0
    # Category relations are smoothed toward the overall mix with this many pseudo-purchases.
    category_prior: float = 20.0
    # A title word in at most this share of titles can name a model ("X12"; not "laptop", "oz").
    model_word_max_share: float = 0.03
    # Items made for another model than the anchor's (a case for the K9, shown for the X12).
    other_model_factor: float = 0.3


@dataclass(frozen=True)
class Evidence:
    """One reason a candidate is there. ``kind``: together | after | transfer | category |
    model_name | compatible | coview | similar_text | same_category."""

    kind: str
    anchor: int
    count: int = 0
    other: int | None = None  # the warm neighbour a cold anchor borrowed from
    text: str = ""  # a model phrase or a category name


def _row_scale(matrix: sp.csr_matrix, denominators: np.ndarray) -> sp.csr_matrix:
    inverse = np.divide(1.0, denominators, out=np.zeros_like(denominators), where=denominators > 0)
    return (sp.diags(inverse.astype(np.float32)) @ matrix).tocsr().astype(np.float32)


def _dense_row(matrix: sp.csr_matrix, row: int) -> np.ndarray:
    out = np.zeros(matrix.shape[1], dtype=np.float32)
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    out[matrix.indices[start:end]] = matrix.data[start:end]
    return out


def _row(matrix: sp.csr_matrix, row: int) -> tuple[np.ndarray, np.ndarray]:
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    return matrix.indices[start:end], matrix.data[start:end]


class ComplementModel:
    def __init__(
        self,
        config: ComplementConfig,
        matrices: Mapping[str, sp.csr_matrix],
        arrays: Mapping[str, np.ndarray],
        category_names: list[str],
        titles: list[str],
        idf: dict[str, float],
        phrases: list[str],
        embeddings: np.ndarray,
    ) -> None:
        self.config = config
        self.m = dict(matrices)
        self.buyers = arrays["buyers"]
        self.known = arrays["known"].astype(bool)
        self.category_of = arrays["category_of"]
        self.category_inferred = arrays["category_inferred"].astype(bool)
        self.category_matrix = arrays["category_matrix"]
        self.share = arrays["share"]
        self.best_share = arrays["best_share"]
        self.category_names = category_names
        self.titles = titles
        self.idf = idf
        self.phrases = phrases
        self.embeddings = np.asarray(embeddings, dtype=np.float32)
        self.n_items = len(titles)
        self.warm = (self.buyers >= config.min_buyers) & self.known
        n = max(self.n_items, 1)
        max_titles = max(config.model_word_max_share * n, 5.0)  # tiny catalogs: a word in 5 titles is rare
        self._model_word_idf = float(np.log((n + 1) / (max_titles + 1)) + 1.0)
        self._titles_by_word = self.m["titles"].T.tocsr()
        self._fits_by_phrase = self.m["fits"].T.tocsr()
        vocabulary = sorted(idf)  # the title matrix's column order
        self._is_model_code = np.asarray(
            [idf[w] >= self._model_word_idf and is_model_code(w) for w in vocabulary], dtype=bool
        )
        self._has_compat_list = np.diff(self.m["fits"].indptr) > 0
        has_code = np.zeros(self.n_items, dtype=bool)
        has_code[self.m["titles"].tocoo().row[self._is_model_code[self.m["titles"].tocoo().col]]] = True
        # Items made for one model: a compatibility list, or a model code in the title.
        self.model_specific = self._has_compat_list | has_code
        if self.embeddings.shape[0] != self.n_items:
            raise ModelError("complement model and item embeddings disagree on the number of items")

    # -- fitting ---------------------------------------------------------------------------------

    @classmethod
    def fit(
        cls,
        counts: CoCounts,
        labels: CategoryLabels,
        titles: Sequence[str],
        attributes: Sequence[Mapping[str, Any]],
        embeddings: np.ndarray,
        known: np.ndarray,
        config: ComplementConfig | None = None,
    ) -> Self:
        config = config or ComplementConfig()
        n = len(titles)
        buyers = counts.buyers.astype(np.float32)
        confidence = _row_scale(counts.weight, buyers + config.shrinkage)
        coview_conf = _row_scale(counts.coview, counts.viewers.astype(np.float32))
        n_categories = len(labels.names)
        # Category → category strength: the item evidence aggregated, per purchase of the anchor category.
        to_category = sp.csr_matrix(
            (np.ones(n, dtype=np.float32), (np.arange(n), labels.of_item)), shape=(n, n_categories)
        )
        category_pairs = (to_category.T @ counts.weight @ to_category).toarray().astype(np.float32)
        category_buyers = np.asarray(to_category.T @ buyers).ravel()
        # Smoothed toward the overall category mix: a category bought by three people does not get
        # to declare that everything they bought next goes with it.
        overall = category_pairs.sum(axis=0) / max(float(category_pairs.sum()), 1e-9)
        denominator = np.broadcast_to(category_buyers[:, None] + config.category_prior, category_pairs.shape)
        category_matrix = np.divide(
            category_pairs + config.category_prior * overall[None, :],
            denominator,
            out=np.zeros_like(category_pairs),
            where=denominator > 0,
        ).astype(np.float32)
        # Within-category share P(b | category of b): with K this estimates P(b | anchor category).
        share = np.divide(
            buyers,
            category_buyers[labels.of_item],
            out=np.zeros_like(buyers),
            where=category_buyers[labels.of_item] > 0,
        )
        best_share = np.zeros(n_categories, dtype=np.float32)
        np.maximum.at(best_share, labels.of_item, share)
        title_index = build_title_index(titles)
        fits, names, phrases = build_compatibility(titles, attributes)
        matrices = {
            "confidence": confidence,
            "together": counts.together.tocsr(),
            "after": counts.after.tocsr(),
            "coview_conf": coview_conf,
            "coview": counts.coview.tocsr(),
            "titles": title_index.matrix,
            "fits": fits.tocsc().tocsr(),
            "names": names,
        }
        arrays = {
            "buyers": buyers,
            "known": np.asarray(known, dtype=bool),
            "category_of": labels.of_item,
            "category_inferred": labels.inferred,
            "category_matrix": category_matrix,
            "share": share.astype(np.float32),
            "best_share": best_share,
        }
        return cls(config, matrices, arrays, labels.names, list(titles), title_index.idf, phrases, embeddings)

    # -- scoring ---------------------------------------------------------------------------------

    def fit_to(self, anchor: int) -> tuple[np.ndarray, np.ndarray]:
        """(title word match, fits 0/1) of every item with ``anchor``. An item fits when it lists a
        model the anchor names as compatible or, for items without a compatibility list, when it
        shares a model code with the anchor's title (a rare word mixing letters and digits: "X15",
        "K9"); that is what lets "Case for Nimbus X15" find the X15 before anyone has bought the
        two together.

        Computed from the transposed matrices (the anchor has a handful of words and phrases): a
        few microseconds, where a sparse product costs a millisecond of overhead."""
        title_match = np.zeros(self.n_items, dtype=np.float32)
        fits = np.zeros(self.n_items, dtype=np.float32)
        by_word = self._titles_by_word
        for word, weight in zip(*_row(self.m["titles"], anchor), strict=True):
            items, values = _row(by_word, int(word))
            title_match[items] += weight * values
            if self._is_model_code[word]:
                fits[items] = 1.0
        fits[self._has_compat_list] = 0.0  # a compatibility list, where there is one, is the authority
        for phrase in _row(self.m["names"], anchor)[0]:
            fits[_row(self._fits_by_phrase, int(phrase))[0]] = 1.0
        return title_match, fits

    def warm_neighbours(self, anchor: int) -> list[tuple[int, float]]:
        """The anchor's nearest warm items by text, preferring its own category."""
        sims = self.embeddings @ self.embeddings[anchor]
        pool = self.warm.copy()
        pool[anchor] = False
        same = pool & (self.category_of == self.category_of[anchor])
        if same.any():
            pool = same
        candidates = np.flatnonzero(pool & (sims > 0))
        if candidates.size == 0:
            return []
        top = candidates[np.argsort(-sims[candidates], kind="stable")[: self.config.neighbours]]
        return [(int(j), float(sims[j])) for j in top]

    def anchor_scores(self, anchor: int) -> np.ndarray:
        c = self.config
        title_match, fits = self.fit_to(anchor)
        scores = _dense_row(self.m["confidence"], anchor)
        if self.buyers[anchor] < c.min_buyers:
            neighbours = self.warm_neighbours(anchor)
            total = sum(sim for _, sim in neighbours)
            for j, sim in neighbours:
                borrowed = _dense_row(self.m["confidence"], j)
                # The X12's cases do not transfer to the X15: what fits the neighbour's model only stays behind.
                borrowed[(self.fit_to(j)[1] > 0) & (fits == 0)] = 0.0
                scores += c.transfer_weight * (sim / total) * borrowed
        fit = np.maximum(title_match, fits)
        strength = self.category_matrix[self.category_of[anchor]][self.category_of]
        # A fitting item counts like (fit_weight ×) its category's best seller, so an accessory named
        # for the anchor's model competes with proven sellers before anyone has bought it.
        category_term = strength * (self.share + c.fit_weight * fit * self.best_share[self.category_of])
        if fits.any():
            # The anchor has a model that accessories name: model-specific items for other models fit poorly.
            category_term[self.model_specific & (fits == 0)] *= c.other_model_factor
        scores += c.category_weight * category_term
        scores[self.category_of == self.category_of[anchor]] *= c.same_category_factor
        return scores

    def complement_scores(self, anchors: Sequence[int]) -> np.ndarray:
        """Scores of every item for a set of anchors (a cart); anchors and non-catalog items −inf."""
        scores = np.zeros(self.n_items, dtype=np.float32)
        for anchor in anchors:
            scores += self.anchor_scores(anchor)
        scores[list(anchors)] = -np.inf
        scores[~self.known] = -np.inf
        return scores

    def similar_scores(self, anchor: int) -> np.ndarray:
        c = self.config
        scores = np.maximum(self.embeddings @ self.embeddings[anchor], 0.0)
        scores += c.coview_weight * _dense_row(self.m["coview_conf"], anchor)
        scores[self.category_of != self.category_of[anchor]] *= c.other_category_factor
        scores[anchor] = -np.inf
        scores[~self.known] = -np.inf
        return scores.astype(np.float32)

    # -- evidence ----------------------------------------------------------------------------------

    def complement_evidence(self, anchors: Sequence[int], items: Sequence[int]) -> list[list[Evidence]]:
        """Why each of ``items`` complements the anchors, strongest evidence first."""
        per_item: list[list[tuple[float, Evidence]]] = [[] for _ in items]
        for anchor in anchors:
            title_match, compatible = self.fit_to(anchor)
            together_row = _dense_row(self.m["together"], anchor)
            after_row = _dense_row(self.m["after"], anchor)
            cold = self.buyers[anchor] < self.config.min_buyers
            neighbour_rows = [
                (j, _dense_row(self.m["together"], j) + _dense_row(self.m["after"], j))
                for j, _ in (self.warm_neighbours(anchor) if cold else [])
            ]
            for found, item in zip(per_item, items, strict=True):
                together, after = int(together_row[item]), int(after_row[item])
                if together >= after and together > 0:
                    found.append((3.0 + together, Evidence("together", anchor, together)))
                elif after > 0:
                    found.append((3.0 + after, Evidence("after", anchor, after)))
                for j, row in neighbour_rows:
                    if row[item]:
                        found.append(
                            (2.0 + row[item] / 100, Evidence("transfer", anchor, int(row[item]), other=j))
                        )
                        break
                listed = self._compatible_phrase(anchor, item) if compatible[item] > 0 else ""
                if listed:
                    found.append((2.5, Evidence("compatible", anchor, text=listed)))
                elif compatible[item] > 0 or title_match[item] > 0.2:
                    phrase = shared_model_phrase(
                        self.titles[anchor], self.titles[item], self.idf, self._model_word_idf
                    )
                    if phrase:
                        found.append((2.4, Evidence("model_name", anchor, text=phrase)))
                source, target = self.category_of[anchor], self.category_of[item]
                strength = float(self.category_matrix[source, target])
                if strength > 0 and source != target:
                    pair = f"{self.category_names[source]}|{self.category_names[target]}"
                    found.append((1.0 + strength, Evidence("category", anchor, text=pair)))
        out = []
        for found in per_item:
            found.sort(key=lambda pair: -pair[0])
            out.append([evidence for _, evidence in found])
        return out

    def _compatible_phrase(self, anchor: int, item: int) -> str:
        """The compatible-with phrase the anchor names, spelled as in the anchor's title."""
        names, fits = self.m["names"], self.m["fits"]
        named = set(names.indices[names.indptr[anchor] : names.indptr[anchor + 1]].tolist())
        listed = set(fits.indices[fits.indptr[item] : fits.indptr[item + 1]].tolist())
        shared = sorted(named & listed)
        if not shared:
            return ""
        phrase = self.phrases[shared[0]].split(" ")
        originals = WORD.findall(self.titles[anchor])
        lowered = [w.lower() for w in originals]
        for start in range(len(lowered) - len(phrase) + 1):
            if lowered[start : start + len(phrase)] == phrase:
                return " ".join(originals[start : start + len(phrase)])
        return " ".join(phrase)

    def similar_evidence(self, anchor: int, item: int) -> list[Evidence]:
        found: list[Evidence] = []
        items, counts = _row(self.m["coview"], anchor)
        hit = np.flatnonzero(items == item)
        coview = int(counts[hit[0]]) if hit.size else 0
        if coview:
            found.append(Evidence("coview", anchor, coview))
        if self.category_of[anchor] == self.category_of[item]:
            found.append(Evidence("same_category", anchor, text=self.category_names[self.category_of[item]]))
        if float(self.embeddings[anchor] @ self.embeddings[item]) > 0.3:
            found.append(Evidence("similar_text", anchor))
        return found

    # -- persistence -------------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for name in _MATRICES:
            sp.save_npz(directory / f"{name}.npz", self.m[name].tocsr())
        np.savez(
            directory / "arrays.npz",
            buyers=self.buyers,
            known=self.known,
            category_of=self.category_of,
            category_inferred=self.category_inferred,
            category_matrix=self.category_matrix,
            share=self.share,
            best_share=self.best_share,
        )
        meta = {
            "config": asdict(self.config),
            "category_names": self.category_names,
            "titles": self.titles,
            "idf": self.idf,
            "phrases": self.phrases,
        }
        (directory / "meta.json").write_text(json.dumps(meta, ensure_ascii=False))

    @classmethod
    def load(cls, directory: Path, embeddings: np.ndarray) -> Self:
        try:
            meta = json.loads((directory / "meta.json").read_text())
            matrices = {name: sp.load_npz(directory / f"{name}.npz").tocsr() for name in _MATRICES}
            with np.load(directory / "arrays.npz") as data:
                arrays = {key: data[key] for key in data.files}
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"{directory}: cannot load the complement model ({exc})") from exc
        return cls(
            ComplementConfig(**meta["config"]),
            matrices,
            arrays,
            meta["category_names"],
            meta["titles"],
            meta["idf"],
            meta["phrases"],
            embeddings,
        )
