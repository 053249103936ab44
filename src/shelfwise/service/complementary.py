"""Use cases: complementary items (product page, cart), bundles, and similar items, with reasons.

The complement model of the newest good artifact version (or a chosen one) is loaded once and kept
in memory; a call scores every item with a few vector operations, over-fetches candidates, applies
the placement's business rules (``shelfwise.ranking.rules``) and explains the survivors.

Items newer than the model (ingested or posted after the last ``shelfwise train``) are scored by
``FreshComplements`` from their text: as anchors and as candidates. The server feeds it the vectors
its background encoder makes (``add_new_items``); a one-off service (the CLI) encodes the new items
itself with the version's encoder on first use (cached, so the next call costs nothing).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from shelfwise.complements import COMPLEMENTS_DIR, ComplementModel, FreshComplements
from shelfwise.domain import Item, ScoredItem
from shelfwise.encoders import EmbeddingCache
from shelfwise.errors import ConfigError, ModelError, NotFoundError
from shelfwise.ranking.explain import item_reasons
from shelfwise.ranking.rules import BOOSTED_REASON, PINNED_REASON, RuleContext, apply_rules
from shelfwise.ranking.rules_settings import PlacementRules
from shelfwise.service.context import ServiceContext
from shelfwise.service.fresh_items import encoder_named, text_of
from shelfwise.training.artifacts import read_manifest, resolve_version
from shelfwise.training.data import ItemIndex

# Candidates fetched per requested item before the rules: filters and caps need spares.
OVERFETCH = 5
MIN_CANDIDATES = 50


@dataclass(frozen=True)
class Bundle:
    """ "Frequently bought together": the anchors plus complements, one per category."""

    anchors: tuple[str, ...]
    items: tuple[ScoredItem, ...]  # the added complements, best first
    total_price: float | None  # anchors + items; None when a price is missing
    currency: str | None


@dataclass(frozen=True)
class LoadedComplements:
    version: str
    index: ItemIndex
    model: ComplementModel


def load_complements(root: Path, version: str | None = None) -> LoadedComplements:
    directory = resolve_version(root, version)
    if not (directory / COMPLEMENTS_DIR).is_dir():
        raise ModelError(
            f"model version {directory.name} has no complement model: run `shelfwise train` again"
        )
    meta = json.loads((directory / "items.json").read_text())
    index = ItemIndex(meta["item_ids"], np.asarray(meta["known"], dtype=bool))
    embeddings = np.load(directory / "item_embeddings.npy")
    model = ComplementModel.load(directory / COMPLEMENTS_DIR, embeddings)
    return LoadedComplements(read_manifest(directory).version, index, model)


@dataclass(frozen=True)
class _Space:
    """Positions of one request: the model's items, then the items newer than the model."""

    item_ids: list[str]
    category_of: np.ndarray
    fresh: FreshComplements | None

    def position(self, index: ItemIndex, item_id: str) -> int | None:
        position = index.get(item_id)
        if position is None and self.fresh is not None:
            position = self.fresh.position(item_id)
        return position


class ComplementService:
    def __init__(
        self,
        ctx: ServiceContext,
        version: str | None = None,
        catalog: Mapping[str, Item] | None = None,
        encode_new_items: bool = True,
    ) -> None:
        self._ctx = ctx
        self._version = version
        # False when someone else (the server's background encoder) calls ``add_new_items``.
        self._encode_new_items = encode_new_items
        if catalog is not None:  # the server passes its live catalog
            self.__dict__["_items"] = catalog

    @cached_property
    def loaded(self) -> LoadedComplements:
        return load_complements(self._ctx.settings.artifacts_dir, self._version)

    @cached_property
    def _items(self) -> Mapping[str, Item]:
        return {item.item_id: item for item in self._ctx.store.iter_items()}

    @cached_property
    def fresh(self) -> FreshComplements:
        """Items newer than the model (see the module doc)."""
        return FreshComplements(self.loaded.model)

    def add_new_items(self, item_ids: Sequence[str], vectors: np.ndarray) -> None:
        """New items' text vectors (the version's encoder): they get and give complements now."""
        index = self.loaded.index
        items, rows = [], []
        for row, item_id in enumerate(item_ids):
            item = self._items.get(item_id)
            position = index.get(item_id)
            if item is not None and (position is None or not index.known[position]):
                items.append(item)
                rows.append(row)
        if items:
            self.fresh.add_many(items, np.asarray(vectors)[rows])

    def _encode_new(self) -> None:
        """Encode the catalog's items the model has not seen and the new-item set lacks (CLI)."""
        index, fresh = self.loaded.index, self.fresh
        missing = [
            item
            for item_id, item in list(self._items.items())
            if ((p := index.get(item_id)) is None or not index.known[p]) and fresh.position(item_id) is None
        ]
        if not missing:
            return
        directory = resolve_version(self._ctx.settings.artifacts_dir, self._version)
        name = read_manifest(directory).components.get("encoder")
        if not name:
            return  # an artifact without its encoder's name: new items wait for the next training
        settings = self._ctx.settings.encoders
        cache = EmbeddingCache(encoder_named(name, settings), settings.resolved_embedding_cache_dir())
        try:
            vectors = cache.encode([text_of(item) for item in missing], progress=False)
        finally:
            cache.close()
        self.add_new_items([item.item_id for item in missing], np.asarray(vectors, dtype=np.float32))

    def _space(self) -> _Space:
        model, index = self.loaded.model, self.loaded.index
        if self._encode_new_items:
            self._encode_new()
        fresh = self.__dict__.get("fresh")
        if fresh is None or not len(fresh):
            return _Space(index.item_ids, model.category_of, None)
        return _Space(index.item_ids + fresh.item_ids, fresh.category_of(), fresh)

    # -- public surface ----------------------------------------------------------------------------

    def complementary(
        self, item_ids: list[str], k: int = 10, placement: str | None = None, user_id: str | None = None
    ) -> list[ScoredItem]:
        """Items that go with ``item_ids`` (one product, or a cart), other kinds first.

        ``placement`` defaults to "product" for one item and "cart" for several; ``user_id`` lets
        the rules hide what that customer already bought."""
        space = self._space()
        anchors = self._positions(item_ids, space)
        rules = self._rules(placement or ("product" if len(anchors) == 1 else "cart"))
        scores = self._scores(space, anchors)
        picked = self._ranked(scores, k, rules, set(item_ids), self._purchased(user_id), space)
        return self._explained(anchors, picked, space)

    def similar(
        self, item_id: str, k: int = 10, placement: str = "product", user_id: str | None = None
    ) -> list[ScoredItem]:
        """The same kind of item: text embeddings plus what shoppers compared it with."""
        model, index = self.loaded.model, self.loaded.index
        trained = _Space(index.item_ids, model.category_of, None)
        position = index.get(item_id)
        if item_id in self._items and (position is None or not index.known[position]):
            # The server answers these from text alone (ServingEngine.similar).
            raise NotFoundError(
                f"item {item_id!r} is newer than model {self.loaded.version}: run `shelfwise train`"
            )
        anchor = self._positions([item_id], trained)[0]
        # Similar items are one category by nature: a per-category cap would only push weaker
        # items of other categories up, so it does not apply here.
        rules = self._rules(placement).model_copy(update={"max_per_category": None})
        scores = model.similar_scores(anchor)
        picked = self._ranked(scores, k, rules, {item_id}, self._purchased(user_id), trained)
        return [
            self._with_reasons(
                s, model.similar_evidence(anchor, p) if (p := index.get(s.item_id)) is not None else []
            )
            for s in picked
        ]

    def bundle(self, item_ids: list[str], size: int = 3) -> Bundle:
        """The anchors plus ``size - len(item_ids)`` (at least one) complements from distinct
        categories, in stock, with the combined price."""
        extra = max(size - len(item_ids), 1)
        rules = self._rules("product" if len(item_ids) == 1 else "cart").model_copy(
            update={"max_per_category": 1, "in_stock_only": True, "pins": [], "diversity": 0.0}
        )
        space = self._space()
        anchors = self._positions(item_ids, space)
        scores = self._scores(space, anchors)
        # One per category, and not the anchors' own categories: a bundle completes the purchase.
        anchor_categories = {space.category_of[a] for a in anchors}
        scores[np.isin(space.category_of, list(anchor_categories))] = -np.inf
        picked = self._ranked(scores, extra, rules, set(item_ids), frozenset(), space, strict_cap=True)
        items = tuple(self._explained(anchors, picked, space))
        members = [self._items[i] for i in item_ids] + [self._items[s.item_id] for s in items]
        prices = [m.price for m in members]
        currencies = {m.currency for m in members if m.currency}
        total = (
            round(sum(p for p in prices if p is not None), 2) if all(p is not None for p in prices) else None
        )
        return Bundle(tuple(item_ids), items, total, currencies.pop() if len(currencies) == 1 else None)

    # -- internals ---------------------------------------------------------------------------------

    def _rules(self, placement: str) -> PlacementRules:
        return self._ctx.settings.rules.for_placement(placement)

    def _positions(self, item_ids: Sequence[str], space: _Space) -> list[int]:
        if not item_ids:
            raise ConfigError("give at least one item id")
        positions = []
        index = self.loaded.index
        for item_id in item_ids:
            position = index.get(item_id)
            if position is None or not index.known[position]:
                position = space.fresh.position(item_id) if space.fresh is not None else None
            if position is None:
                if item_id in self._items:
                    raise NotFoundError(
                        f"item {item_id!r} is newer than model {self.loaded.version} and its text is not "
                        "encoded yet: try again in a moment"
                    )
                raise NotFoundError(f"no item {item_id!r}")
            positions.append(position)
        return positions

    def _scores(self, space: _Space, anchors: list[int]) -> np.ndarray:
        if space.fresh is None:
            return self.loaded.model.complement_scores(anchors)
        return space.fresh.complement_scores(anchors)

    def _purchased(self, user_id: str | None) -> frozenset[str]:
        if user_id is None:
            return frozenset()
        store = self._ctx.store
        account = store.get_account(user_id)
        customer = (account.customer_id or account.user_id) if account else user_id
        users = [a.user_id for a in store.accounts_of_customer(customer)] or [user_id]
        return frozenset(
            s.event.item_id for s in store.iter_events(types=["purchase"], user_ids=users) if s.event.item_id
        )

    def _ranked(
        self,
        scores: np.ndarray,
        k: int,
        rules: PlacementRules,
        exclude: Iterable[str],
        purchased: frozenset[str],
        space: _Space,
        strict_cap: bool = False,
    ) -> list[ScoredItem]:
        index, model = self.loaded.index, self.loaded.model
        fetch = min(max(k * OVERFETCH, MIN_CANDIDATES) + len(rules.pins), int(np.isfinite(scores).sum()))
        if fetch <= 0:
            return []
        top = np.argpartition(-scores, fetch - 1)[:fetch] if fetch < len(scores) else np.arange(len(scores))
        top = top[np.isfinite(scores[top])]
        top = top[np.argsort(-scores[top], kind="stable")]
        candidates = [ScoredItem(space.item_ids[j], round(float(scores[j]), 6)) for j in top]
        ids = [c.item_id for c in candidates] + [
            p for p in rules.pins if space.position(index, p) is not None
        ]
        positions = {i: space.position(index, i) for i in ids}
        vector = space.fresh.vector if space.fresh is not None else model.embeddings.__getitem__
        context = RuleContext(
            purchased=purchased,
            exclude=frozenset(exclude),
            category_of={
                i: model.category_names[space.category_of[p]] for i, p in positions.items() if p is not None
            },
            vectors={i: vector(p) for i, p in positions.items() if p is not None}
            if rules.diversity > 0
            else {},
        )
        picked = apply_rules(candidates, self._items, rules, k, context)
        if strict_cap and rules.max_per_category is not None:
            # A bundle wants distinct categories more than it wants k items.
            seen: dict[str, int] = {}
            kept = []
            for s in picked:
                label = context.category_of.get(s.item_id, "")
                seen[label] = seen.get(label, 0) + 1
                if seen[label] <= rules.max_per_category:
                    kept.append(s)
            picked = kept
        return picked

    def _explained(self, anchors: list[int], picked: list[ScoredItem], space: _Space) -> list[ScoredItem]:
        positions = [space.position(self.loaded.index, s.item_id) for s in picked]
        known = [p for p in positions if p is not None]
        explain = (
            space.fresh.complement_evidence
            if space.fresh is not None
            else self.loaded.model.complement_evidence
        )
        evidence = dict(zip(known, explain(anchors, known), strict=True))
        return [
            self._with_reasons(s, evidence.get(p, []) if p is not None else [], space)
            for s, p in zip(picked, positions, strict=True)
        ]

    def _with_reasons(
        self, scored: ScoredItem, evidence: Sequence[object], space: _Space | None = None
    ) -> ScoredItem:
        titles = self.loaded.model.titles
        fresh = space.fresh if space is not None else None
        title_of = fresh.title if fresh is not None else titles.__getitem__
        model_reasons = item_reasons(evidence, title_of)  # type: ignore[arg-type]
        pinned = tuple(r for r in scored.reasons if r == PINNED_REASON)
        boosted = tuple(r for r in scored.reasons if r == BOOSTED_REASON)
        reasons = (*pinned, *model_reasons, *boosted) or ("popular in its category",)
        return ScoredItem(scored.item_id, scored.score, reasons)


@lru_cache(maxsize=4)
def _artifact_embeddings(directory: Path) -> np.ndarray:
    return np.load(directory / "item_embeddings.npy", mmap_mode="r")


def item_vectors(directory: Path, index: ItemIndex, items: Sequence[ScoredItem]) -> dict[str, np.ndarray]:
    """Text embeddings of ``items`` from an artifact version, for diversity in the rules."""
    embeddings = _artifact_embeddings(directory)
    positions = {s.item_id: index.get(s.item_id) for s in items}
    return {item_id: np.asarray(embeddings[p]) for item_id, p in positions.items() if p is not None}
