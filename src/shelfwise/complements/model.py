"""The complement model: what goes with an item (other kinds of items), and what resembles it.

Complement score of candidate b for anchor a (docs/complements.md has the reasoning)::

    item(a→b)      = customers who bought b with or soon after a (directional weights)
                     / (buyers of a + shrinkage)
    transfer(a→b)  = for an anchor with little history: the item term of its nearest warm items by
                     text embedding, averaged by similarity (the language model fills in), minus what
                     fits only the neighbour's model
    category(a→b)  = K[x, y] · ((1 − r[x, y]) · (share(b) + fit_weight · title match · best share in y)
                                 + r[x, y] · tied share(a, b)),  x = cat a, y = cat b,
                     × other_model_factor for items made for another model than a's (ties.py)
        K[x, y]    = directional item evidence summed over categories x → y / purchases in x,
                     smoothed toward the overall category mix
        r[x, y]    = share of the x → y evidence that fell on pairs tied by model (compat.py)
        tied share = b's share among the items tied to a's model in y (smoothed: new items count)
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
from shelfwise.complements.compat import CompatIndex, ItemModels, ModelNames, ModelTie
from shelfwise.complements.evidence import Evidence, strongest_first, tie_evidence
from shelfwise.complements.textmatch import build_compatibility, build_title_index, words
from shelfwise.complements.tie_rates import TieGroups, fit_rates_by_group
from shelfwise.complements.ties import Ties, kind_scores, make_ties, named_categories
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
    # Items made for another model than the anchor's (a case for the K9, shown for the X12).
    other_model_factor: float = 0.3
    # An accessory naming the anchor's brand but no model counts this much of an exact model tie.
    brand_tie: float = 0.5
    # A tied item's pseudo-share of its category: this many purchases' worth, spread over the
    # category's items, so a case nobody has bought yet still gets its model's share.
    tie_smoothing: float = 0.5


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
        models: Sequence[ItemModels] | None = None,
        brands: Sequence[str] = (),
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
        self._titles_by_word = self.m["titles"].T.tocsr()
        self._fits_by_phrase = self.m["fits"].T.tocsr()
        if self.embeddings.shape[0] != self.n_items:
            raise ModelError("complement model and item embeddings disagree on the number of items")
        self.brands = sorted(brands)  # the catalog's brands, to read new items' texts the same way
        if models is None:  # an artifact from before compat.py: read the titles again
            models = [self.reader().of_item(title, None, {}, None) for title in titles]
        self.item_models = list(models)
        self.compat = CompatIndex(self.item_models)
        n_categories = len(category_names)
        self.named_in = named_categories(self.compat, self.category_of, n_categories).tocsc()
        sizes = np.bincount(self.category_of[self.known], minlength=n_categories).astype(np.float32)
        self.tie_smoothing = config.tie_smoothing / np.maximum(sizes, 1.0)
        self.fit_rate = arrays.get("fit_rate")
        if self.fit_rate is None:  # older artifact: no tie rates were learned
            self.fit_rate = np.zeros_like(self.category_matrix)
        self._ties: dict[int, Ties] = {}
        self._vocabulary: dict[str, int] | None = None

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
        models: Sequence[ItemModels] | None = None,
        brands: Sequence[str] = (),
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
        if models is None:
            reader = ModelNames.from_brands(brands)
            models = [reader.of_item(t, None, a, None) for t, a in zip(titles, attributes, strict=True)]
        model = cls(
            config, matrices, arrays, labels.names, list(titles), title_index.idf, phrases, embeddings,
            models, brands,
        )  # fmt: skip
        # The tie rates from groups of mentions: building every anchor's ties was quadratic in the
        # catalog (tie_rates.py), and holding them all took 10 GB of `train` at 11,000 Beauty items.
        groups = TieGroups(model.compat, labels.of_item, model.m["fits"], model.m["names"])
        model.fit_rate = fit_rates_by_group(
            counts.weight.tocsr(),
            groups,
            labels.of_item,
            n_categories,
            config.category_prior,
            config.brand_tie,
        )
        return model

    # -- ties ------------------------------------------------------------------------------------

    def reader(self) -> ModelNames:
        """A model-name reader with the brands of the catalog the model was trained on."""
        return ModelNames.from_brands(self.brands)

    def names_anything(self, anchor: int) -> bool:
        models = self.item_models[anchor]
        names = self.m["names"]
        return bool(models.mentions or models.brand_only or names.indptr[anchor + 1] > names.indptr[anchor])

    def listed_for(self, phrase_ids: Sequence[int]) -> dict[int, str]:
        """Items whose compatibility list holds one of the phrases (phrase ids)."""
        found: dict[int, str] = {}
        for phrase in phrase_ids:
            for item in _row(self._fits_by_phrase, int(phrase))[0]:
                found.setdefault(int(item), self.phrases[int(phrase)])
        return found

    def ties_for(self, models: ItemModels, category: int, phrase_ids: Sequence[int]) -> Ties:
        """Ties of any item (a catalog item or one the model has not seen) to the catalog."""
        exact: dict[int, ModelTie | str] = dict(self.listed_for(phrase_ids))
        exact.update(self.compat.same_model(models))
        brand = self.compat.same_brand(models)
        named = self.named_in_category(category)
        names_models = bool(models.mentions or phrase_ids)
        return make_ties(self.n_items, exact, brand, named, names_models, self.config.brand_tie)

    def named_in_category(self, category: int) -> np.ndarray:
        """Bool per item: it names a model that an item of ``category`` names too."""
        named = np.zeros(self.n_items, dtype=bool)
        start, end = self.named_in.indptr[category], self.named_in.indptr[category + 1]
        named[self.named_in.indices[start:end]] = True
        return named

    def fresh_ties(self, anchor: int) -> Ties:
        """The ties of a catalog item, computed now (``ties_of`` caches them)."""
        phrase_ids = _row(self.m["names"], anchor)[0].tolist()
        return self.ties_for(self.item_models[anchor], int(self.category_of[anchor]), phrase_ids)

    def ties_of(self, anchor: int) -> Ties:
        ties = self._ties.get(anchor)
        if ties is None:
            ties = self.fresh_ties(anchor)
            if len(self._ties) > 4096:
                self._ties.clear()
            self._ties[anchor] = ties
        return ties

    def title_match_of_text(self, title: str) -> np.ndarray:
        """The title word cosine of a text the model has not seen (a new item's title)."""
        if self._vocabulary is None:
            self._vocabulary = {word: column for column, word in enumerate(sorted(self.idf))}
        counts: dict[int, float] = {}
        for word in set(words(title)):
            column = self._vocabulary.get(word)
            if column is not None:
                counts[column] = self.idf[word]
        norm = float(np.sqrt(sum(w * w for w in counts.values()))) or 1.0
        match = np.zeros(self.n_items, dtype=np.float32)
        for column, weight in counts.items():
            items, values = _row(self._titles_by_word, column)
            match[items] += weight / norm * values
        return match

    def title_match(self, anchor: int) -> np.ndarray:
        """IDF-weighted title word cosine of every item with ``anchor``, from the transposed matrix
        (the anchor has a handful of words: microseconds, where a sparse product costs a millisecond)."""
        match = np.zeros(self.n_items, dtype=np.float32)
        for word, weight in zip(*_row(self.m["titles"], anchor), strict=True):
            items, values = _row(self._titles_by_word, int(word))
            match[items] += weight * values
        return match

    # -- scoring ---------------------------------------------------------------------------------

    def warm_neighbours(
        self, vector: np.ndarray, category: int, exclude: int | None = None
    ) -> list[tuple[int, float]]:
        """The nearest warm items to ``vector`` by text, preferring ``category``."""
        sims = self.embeddings @ vector
        pool = self.warm.copy()
        if exclude is not None:
            pool[exclude] = False
        same = pool & (self.category_of == category)
        if same.any():
            pool = same
        candidates = np.flatnonzero(pool & (sims > 0))
        if candidates.size == 0:
            return []
        top = candidates[np.argsort(-sims[candidates], kind="stable")[: self.config.neighbours]]
        return [(int(j), float(sims[j])) for j in top]

    def transfer(
        self, vector: np.ndarray, category: int, ties: Ties, exclude: int | None = None
    ) -> np.ndarray:
        """The item term of the nearest warm items, except what fits only the neighbour's model
        (the X12's cases do not transfer to the X15)."""
        scores = np.zeros(self.n_items, dtype=np.float32)
        neighbours = self.warm_neighbours(vector, category, exclude)
        total = sum(sim for _, sim in neighbours)
        for j, sim in neighbours:
            borrowed = _dense_row(self.m["confidence"], j)
            borrowed[self.ties_of(j).tied & ~ties.tied] = 0.0
            scores += (sim / total) * borrowed
        return scores

    def item_term(self, anchor: int) -> np.ndarray:
        """The anchor's own behaviour: customers who bought each item with or after it, shrunk."""
        return _dense_row(self.m["confidence"], anchor)

    def kind_term(self, category: int, ties: Ties, title_match: np.ndarray) -> np.ndarray:
        c = self.config
        return kind_scores(
            self.category_matrix[category],
            self.fit_rate[category],
            self.category_of,
            self.share,
            self.best_share,
            self.tie_smoothing,
            title_match,
            ties,
            c.fit_weight,
            c.other_model_factor,
        )

    def anchor_scores(self, anchor: int) -> np.ndarray:
        c = self.config
        ties = self.ties_of(anchor)
        category = int(self.category_of[anchor])
        scores = self.item_term(anchor)
        if self.buyers[anchor] < c.min_buyers:
            scores += c.transfer_weight * self.transfer(self.embeddings[anchor], category, ties, anchor)
        scores += c.category_weight * self.kind_term(category, ties, self.title_match(anchor))
        scores[self.category_of == category] *= c.same_category_factor
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
            category = int(self.category_of[anchor])
            cold = self.buyers[anchor] < self.config.min_buyers
            neighbours = self.warm_neighbours(self.embeddings[anchor], category, anchor) if cold else []
            self.collect_evidence(
                per_item, items, anchor, self.titles[anchor], category, self.ties_of(anchor), self.category_of,
                behaviour_of=anchor, neighbours=neighbours,
            )  # fmt: skip
        return strongest_first(per_item)

    def collect_evidence(
        self,
        per_item: list[list[tuple[float, Evidence]]],
        items: Sequence[int],
        anchor: int,
        anchor_title: str,
        category: int,
        ties: Ties,
        category_of: np.ndarray,
        behaviour_of: int | None,
        neighbours: Sequence[tuple[int, float]],
    ) -> None:
        """Evidence of one anchor for ``items``. Indices past the catalog are items the model has
        not seen (``category_of`` covers them); ``behaviour_of`` is the anchor's catalog row, if any."""
        n = self.n_items
        together_row = _dense_row(self.m["together"], behaviour_of) if behaviour_of is not None else None
        after_row = _dense_row(self.m["after"], behaviour_of) if behaviour_of is not None else None
        neighbour_rows = [
            (j, _dense_row(self.m["together"], j) + _dense_row(self.m["after"], j)) for j, _ in neighbours
        ]
        for found, item in zip(per_item, items, strict=True):
            if together_row is not None and after_row is not None and item < n:
                together, after = int(together_row[item]), int(after_row[item])
                if together >= after and together > 0:
                    found.append((3.0 + together, Evidence("together", anchor, together)))
                elif after > 0:
                    found.append((3.0 + after, Evidence("after", anchor, after)))
            for j, row in neighbour_rows:
                if item < n and row[item]:
                    found.append(
                        (2.0 + row[item] / 100, Evidence("transfer", anchor, int(row[item]), other=j))
                    )
                    break
            tie = tie_evidence(anchor, anchor_title, ties, item)
            if tie is not None:
                found.append(tie)
            target = int(category_of[item])
            strength = float(self.category_matrix[category, target])
            if strength > 0 and category != target:
                pair = f"{self.category_names[category]}|{self.category_names[target]}"
                found.append((1.0 + strength, Evidence("category", anchor, text=pair)))

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
            fit_rate=self.fit_rate,
        )
        meta = {
            "config": asdict(self.config),
            "category_names": self.category_names,
            "titles": self.titles,
            "idf": self.idf,
            "phrases": self.phrases,
            "models": [models.to_json() for models in self.item_models],
            "brands": self.brands,
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
            [ItemModels.from_json(m) for m in meta["models"]] if "models" in meta else None,
            meta.get("brands", ()),
        )
