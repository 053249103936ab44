"""Use cases: complementary items (product page, cart), bundles, and similar items, with reasons.

The complement model of the newest good artifact version (or a chosen one) is loaded once and kept
in memory; a call scores every item with a few vector operations, over-fetches candidates, applies
the placement's business rules (``shelfwise.ranking.rules``) and explains the survivors.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from shelfwise.complements import COMPLEMENTS_DIR, ComplementModel
from shelfwise.domain import Item, ScoredItem
from shelfwise.errors import ConfigError, ModelError, NotFoundError
from shelfwise.ranking.explain import item_reasons
from shelfwise.ranking.rules import BOOSTED_REASON, PINNED_REASON, RuleContext, apply_rules
from shelfwise.ranking.rules_settings import PlacementRules
from shelfwise.service.context import ServiceContext
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


class ComplementService:
    def __init__(
        self, ctx: ServiceContext, version: str | None = None, catalog: Mapping[str, Item] | None = None
    ) -> None:
        self._ctx = ctx
        self._version = version
        if catalog is not None:  # the server passes its live catalog
            self.__dict__["_items"] = catalog

    @cached_property
    def loaded(self) -> LoadedComplements:
        return load_complements(self._ctx.settings.artifacts_dir, self._version)

    @cached_property
    def _items(self) -> Mapping[str, Item]:
        return {item.item_id: item for item in self._ctx.store.iter_items()}

    # -- public surface ----------------------------------------------------------------------------

    def complementary(
        self, item_ids: list[str], k: int = 10, placement: str | None = None, user_id: str | None = None
    ) -> list[ScoredItem]:
        """Items that go with ``item_ids`` (one product, or a cart), other kinds first.

        ``placement`` defaults to "product" for one item and "cart" for several; ``user_id`` lets
        the rules hide what that customer already bought."""
        anchors = self._positions(item_ids)
        rules = self._rules(placement or ("product" if len(anchors) == 1 else "cart"))
        model = self.loaded.model
        scores = model.complement_scores(anchors)
        picked = self._ranked(scores, k, rules, set(item_ids), self._purchased(user_id))
        return self._explained(anchors, picked)

    def similar(
        self, item_id: str, k: int = 10, placement: str = "product", user_id: str | None = None
    ) -> list[ScoredItem]:
        """The same kind of item: text embeddings plus what shoppers compared it with."""
        anchor = self._positions([item_id])[0]
        # Similar items are one category by nature: a per-category cap would only push weaker
        # items of other categories up, so it does not apply here.
        rules = self._rules(placement).model_copy(update={"max_per_category": None})
        model = self.loaded.model
        picked = self._ranked(model.similar_scores(anchor), k, rules, {item_id}, self._purchased(user_id))
        index = self.loaded.index
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
        anchors = self._positions(item_ids)
        model = self.loaded.model
        scores = model.complement_scores(anchors)
        # One per category, and not the anchors' own categories: a bundle completes the purchase.
        anchor_categories = {model.category_of[a] for a in anchors}
        scores[np.isin(model.category_of, list(anchor_categories))] = -np.inf
        picked = self._ranked(scores, extra, rules, set(item_ids), frozenset(), strict_cap=True)
        items = tuple(self._explained(anchors, picked))
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

    def _positions(self, item_ids: Sequence[str]) -> list[int]:
        if not item_ids:
            raise ConfigError("give at least one item id")
        positions = []
        for item_id in item_ids:
            position = self.loaded.index.get(item_id)
            if position is None or not self.loaded.index.known[position]:
                if item_id in self._items:
                    raise NotFoundError(
                        f"item {item_id!r} is newer than model {self.loaded.version}: run `shelfwise train`"
                    )
                raise NotFoundError(f"no item {item_id!r}")
            positions.append(position)
        return positions

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
        strict_cap: bool = False,
    ) -> list[ScoredItem]:
        index, model = self.loaded.index, self.loaded.model
        fetch = min(max(k * OVERFETCH, MIN_CANDIDATES) + len(rules.pins), int(np.isfinite(scores).sum()))
        if fetch <= 0:
            return []
        top = np.argpartition(-scores, fetch - 1)[:fetch] if fetch < len(scores) else np.arange(len(scores))
        top = top[np.isfinite(scores[top])]
        top = top[np.argsort(-scores[top], kind="stable")]
        candidates = [ScoredItem(index.item_ids[j], round(float(scores[j]), 6)) for j in top]
        ids = [c.item_id for c in candidates] + [p for p in rules.pins if index.get(p) is not None]
        positions = {i: index.get(i) for i in ids}
        context = RuleContext(
            purchased=purchased,
            exclude=frozenset(exclude),
            category_of={
                i: model.category_names[model.category_of[p]] for i, p in positions.items() if p is not None
            },
            vectors={i: model.embeddings[p] for i, p in positions.items() if p is not None}
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

    def _explained(self, anchors: list[int], picked: list[ScoredItem]) -> list[ScoredItem]:
        positions = [self.loaded.index.get(s.item_id) for s in picked]
        known = [p for p in positions if p is not None]
        evidence = dict(zip(known, self.loaded.model.complement_evidence(anchors, known), strict=True))
        return [
            self._with_reasons(s, evidence.get(p, []) if p is not None else [])
            for s, p in zip(picked, positions, strict=True)
        ]

    def _with_reasons(self, scored: ScoredItem, evidence: Sequence[object]) -> ScoredItem:
        titles = self.loaded.model.titles
        model_reasons = item_reasons(evidence, lambda position: titles[position])  # type: ignore[arg-type]
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
