"""Complements for items the trained model has not seen, without waiting for the next training.

An item posted or ingested after the last ``shelfwise train`` is added here with its text vector
(the version's own encoder, so it sits in the same space as the model's item embeddings). It gets

* a category: its catalog category when the model knows that name, else the vote of its nearest
  catalog items by text (as ``categories.infer_labels`` does at training time);
* its model names (``compat.ModelNames``, with the training catalog's brands plus its own).

Then it can be scored like a cold catalog item, in both directions:

* as an **anchor**: the category relations of its category, its model ties to every item (catalog
  and new), and the relations of its nearest warm items by text (``ComplementModel.transfer``);
* as a **candidate**: for every anchor it is one more item of its category, with no purchases yet
  but with its model ties, so a new "Case for Vexo Q9" takes the share of the case relation that
  goes to cases made for the anchor's model.

Positions: the model's items keep their indices 0..n-1; new items follow from n in arrival order.
Writes (``add``) build a new snapshot and swap one reference, so a reader in another thread always
sees a consistent set.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from shelfwise.complements.categories import category_name
from shelfwise.complements.compat import CompatIndex, ItemModels, normalise_brand
from shelfwise.complements.evidence import Evidence, strongest_first
from shelfwise.complements.model import ComplementModel
from shelfwise.complements.textmatch import phrases_by_first_word, phrases_named
from shelfwise.complements.ties import Ties, kind_scores, make_ties
from shelfwise.domain import Item


@dataclass(frozen=True)
class FreshItem:
    item_id: str
    title: str
    category: int  # a category id of the model
    models: ItemModels
    phrase_ids: tuple[int, ...]  # listed-compatible phrases of the model that its title names
    vector: np.ndarray  # L2-normalised text embedding
    named_in: frozenset[int]  # categories with an item naming one of its models


@dataclass(frozen=True)
class _Snapshot:
    items: tuple[FreshItem, ...]
    position: dict[str, int]  # item id → position (n + k)
    index: CompatIndex  # the new items' model names
    category_of: np.ndarray  # category id per new item
    named_cache: dict[int, np.ndarray] = field(default_factory=dict)  # category → named in it

    def named_in(self, category: int) -> np.ndarray:
        """Bool per new item: it names a model that an item of ``category`` names too."""
        named = self.named_cache.get(category)
        if named is None:
            named = np.asarray([category in f.named_in for f in self.items], dtype=bool)
            self.named_cache[category] = named
        return named


_EMPTY = _Snapshot((), {}, CompatIndex(()), np.zeros(0, dtype=np.int32))


class FreshComplements:
    """New items' complements from text, attributes and the category prior (see module doc)."""

    def __init__(self, model: ComplementModel) -> None:
        self.model = model
        self._reader = model.reader()
        self._by_first = phrases_by_first_word(model.phrases)
        self._category_ids = {name: n for n, name in enumerate(model.category_names)}
        self._phrase_ids = {phrase: n for n, phrase in enumerate(model.phrases)}
        self._snapshot = _EMPTY
        self._write = threading.Lock()

    def __len__(self) -> int:
        return len(self._snapshot.items)

    def position(self, item_id: str) -> int | None:
        return self._snapshot.position.get(item_id)

    @property
    def item_ids(self) -> list[str]:
        return [item.item_id for item in self._snapshot.items]

    def title(self, position: int) -> str:
        n = self.model.n_items
        return self.model.titles[position] if position < n else self._snapshot.items[position - n].title

    def category_of(self) -> np.ndarray:
        """Category id of every position, the model's items then the new ones."""
        return np.concatenate([self.model.category_of, self._snapshot.category_of])

    def vector(self, position: int) -> np.ndarray:
        n = self.model.n_items
        return self.model.embeddings[position] if position < n else self._snapshot.items[position - n].vector

    # -- writes ------------------------------------------------------------------------------------

    def add(self, item: Item, vector: np.ndarray) -> None:
        """Add (or replace, for an edited item) a new item with its text embedding."""
        self.add_many([item], np.asarray([vector], dtype=np.float32))

    def add_many(self, items: Sequence[Item], vectors: np.ndarray) -> None:
        """Add a batch (one new snapshot for all of them: a big ingest is not quadratic)."""
        with self._write:
            for item in items:
                if item.brand:
                    self._reader.brands.add(normalise_brand(item.brand))
            arrived: dict[str, tuple[Item, ItemModels, np.ndarray, int, tuple[int, ...]]] = {}
            for item, vector in zip(items, np.asarray(vectors, dtype=np.float32), strict=True):
                models = self._reader.of_item(item.title, item.description, item.attributes, item.brand)
                named = phrases_named(item.title, item.attributes, self._by_first)
                phrase_ids = tuple(self._phrase_ids[p] for p in named)
                arrived[item.item_id] = (item, models, vector, self._category(item, vector), phrase_ids)
            kept = [f for f in self._snapshot.items if f.item_id not in arrived]
            index = CompatIndex([f.models for f in kept] + [entry[1] for entry in arrived.values()])
            categories = [f.category for f in kept] + [entry[3] for entry in arrived.values()]
            for item, models, vector, category, phrase_ids in arrived.values():
                # The categories whose items name one of its models (for "made for another model").
                named_in = {int(self.model.category_of[j]) for j in self.model.compat.same_model(models)}
                named_in |= {categories[k] for k in index.same_model(models)}
                kept.append(
                    FreshItem(
                        item.item_id, item.title, category, models, phrase_ids, vector, frozenset(named_in)
                    )
                )
            n = self.model.n_items
            self._snapshot = _Snapshot(
                tuple(kept),
                {f.item_id: n + k for k, f in enumerate(kept)},
                index,
                np.asarray(categories, dtype=np.int32),
            )

    def _category(self, item: Item, vector: np.ndarray) -> int:
        """The catalog category if the model knows it, else the vote of the nearest catalog items."""
        known = self._category_ids.get(category_name(item.category)) if item.category else None
        if known is not None:
            return known
        model = self.model
        sims = model.embeddings @ vector
        sims[~model.known] = -np.inf
        top = np.argsort(-sims, kind="stable")[: model.config.neighbours]
        votes: dict[int, float] = {}
        for j in top:
            if np.isfinite(sims[j]):
                label = int(model.category_of[j])
                votes[label] = votes.get(label, 0.0) + max(float(sims[j]), 0.0) + 1e-6
        return max(votes.items(), key=lambda kv: kv[1])[0] if votes else 0

    # -- scoring -----------------------------------------------------------------------------------

    def _anchor(self, snapshot: _Snapshot, position: int) -> tuple[ItemModels, int, tuple[int, ...]]:
        model, n = self.model, self.model.n_items
        if position < n:
            names = model.m["names"]
            start, end = names.indptr[position], names.indptr[position + 1]
            phrase_ids = tuple(int(p) for p in names.indices[start:end])
            return model.item_models[position], int(model.category_of[position]), phrase_ids
        fresh = snapshot.items[position - n]
        return fresh.models, fresh.category, fresh.phrase_ids

    def ties(self, snapshot: _Snapshot, position: int) -> Ties:
        """The anchor's ties to the model's items and the new items, in one position space."""
        model, n = self.model, self.model.n_items
        models, category, phrase_ids = self._anchor(snapshot, position)
        known = model.ties_of(position) if position < n else model.ties_for(models, category, phrase_ids)
        exact = dict(known.exact)
        exact.update({n + k: tie for k, tie in snapshot.index.same_model(models).items()})
        brand = dict(known.brand)
        brand.update({n + k: b for k, b in snapshot.index.same_brand(models).items()})
        named = np.concatenate([model.named_in_category(category), snapshot.named_in(category)])
        return make_ties(
            n + len(snapshot.items), exact, brand, named, known.names_models, model.config.brand_tie
        )

    def anchor_scores(self, position: int) -> np.ndarray:
        snapshot = self._snapshot
        model, n, c = self.model, self.model.n_items, self.model.config
        m = len(snapshot.items)
        ties = self.ties(snapshot, position)
        _, category, _ = self._anchor(snapshot, position)
        trained = position < n
        scores = np.zeros(n + m, dtype=np.float32)
        if trained:
            scores[:n] = model.item_term(position)
        if not trained or model.buyers[position] < c.min_buyers:
            known_ties = Ties({}, {}, ties.weight[:n], ties.other_model[:n], ties.names_models)
            exclude = position if trained else None
            scores[:n] += c.transfer_weight * model.transfer(
                self.vector(position), category, known_ties, exclude
            )
        title_match = np.zeros(n + m, dtype=np.float32)
        title_match[:n] = (
            model.title_match(position) if trained else model.title_match_of_text(self.title(position))
        )
        category_of = np.concatenate([model.category_of, snapshot.category_of])
        scores += c.category_weight * kind_scores(
            model.category_matrix[category], model.fit_rate[category], category_of,
            np.concatenate([model.share, np.zeros(m, dtype=np.float32)]), model.best_share,
            model.tie_smoothing, title_match, ties, c.fit_weight, c.other_model_factor,
        )  # fmt: skip
        scores[category_of == category] *= c.same_category_factor
        return scores

    def complement_scores(self, anchors: Sequence[int]) -> np.ndarray:
        """Scores of every position (model items, then new items) for a set of anchor positions."""
        n = self.model.n_items
        total = np.zeros(n + len(self._snapshot.items), dtype=np.float32)
        for anchor in anchors:
            scores = self.anchor_scores(anchor)
            total[: len(scores)] += scores
        total[list(anchors)] = -np.inf
        total[:n][~self.model.known] = -np.inf
        return total

    def complement_evidence(self, anchors: Sequence[int], items: Sequence[int]) -> list[list[Evidence]]:
        snapshot = self._snapshot
        model, n = self.model, self.model.n_items
        category_of = np.concatenate([model.category_of, snapshot.category_of])
        per_item: list[list[tuple[float, Evidence]]] = [[] for _ in items]
        for anchor in anchors:
            _, category, _ = self._anchor(snapshot, anchor)
            trained = anchor < n
            cold = not trained or model.buyers[anchor] < model.config.min_buyers
            neighbours = (
                model.warm_neighbours(self.vector(anchor), category, anchor if trained else None)
                if cold
                else []
            )
            model.collect_evidence(
                per_item, items, anchor, self.title(anchor), category, self.ties(snapshot, anchor), category_of,
                behaviour_of=anchor if trained else None, neighbours=neighbours,
            )  # fmt: skip
        return strongest_first(per_item)
