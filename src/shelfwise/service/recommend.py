"""Use case: next-item recommendations for a customer, with reasons.

The customer's history comes from the live profiles (``shelfwise.profiles``: all accounts, all
channels, updated per event in the server, read from the store for a one-off command), so what
was ingested after training already shapes the answer; only items the model was trained on
can be scored until the next ``shelfwise train``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from shelfwise.domain import Item, ScoredItem
from shelfwise.profiles import ProfileBook
from shelfwise.ranking.explain import scored_items
from shelfwise.ranking.rules import PINNED_REASON, RuleContext, apply_rules
from shelfwise.retrieval import SequentialRecommender
from shelfwise.service.complementary import item_vectors
from shelfwise.service.context import ServiceContext
from shelfwise.training.artifacts import read_manifest, resolve_version
from shelfwise.training.data import CustomerHistory, ItemIndex
from shelfwise.training.models import MODEL_DIR, load_model

BATCH = 512


@dataclass
class LoadedModel:
    directory: Path
    version: str
    index: ItemIndex
    model: SequentialRecommender


def load_version(root: Path, version: str | None = None) -> LoadedModel:
    directory = resolve_version(root, version)
    meta = json.loads((directory / "items.json").read_text())
    index = ItemIndex(meta["item_ids"], np.asarray(meta["known"], dtype=bool))
    return LoadedModel(directory, read_manifest(directory).version, index, load_model(directory / MODEL_DIR))


class RecommendService:
    def __init__(
        self,
        ctx: ServiceContext,
        version: str | None = None,
        profiles: ProfileBook | None = None,
        catalog: Mapping[str, Item] | None = None,
    ) -> None:
        self._ctx = ctx
        self._version = version
        # The server passes its live profiles and catalog (updated per event); a one-off command
        # leaves them None and the same profile code reads the named customers from the store.
        self._profiles = profiles
        if catalog is not None:
            self.__dict__["_items"] = catalog

    @cached_property
    def loaded(self) -> LoadedModel:
        return load_version(self._ctx.settings.artifacts_dir, self._version)

    @cached_property
    def _items(self) -> dict[str, Item]:
        return {item.item_id: item for item in self._ctx.store.iter_items()}

    def _histories(self, user_ids: Iterable[str]) -> dict[str, tuple[str, CustomerHistory | None]]:
        """user id (or customer id) → (customer id, history across all the customer's accounts)."""
        user_ids = list(user_ids)
        profiles = (
            self._profiles if self._profiles is not None else ProfileBook.load(self._ctx.store, user_ids)
        )
        resolved: dict[str, tuple[str, CustomerHistory | None]] = {}
        for requested in user_ids:
            # A user id resolves to its customer; anything else is taken as a customer id.
            profile = profiles.get(requested)
            if profile is None:
                resolved[requested] = (requested, None)
            else:
                resolved[requested] = (profile.customer_id, profile.history(self.loaded.index))
        return resolved

    def recommend(
        self, user_id: str, k: int = 10, exclude_purchased: bool | None = None, placement: str = "home"
    ) -> list[ScoredItem]:
        """Top ``k`` after the placement's business rules (``settings.rules``), applied to
        over-fetched candidates so that filters and caps still leave ``k`` items. Reasons are
        written only for the items that survive the rules (explaining is the costly part)."""
        rules = self._ctx.settings.rules.for_placement(placement)
        if exclude_purchased is None:
            exclude_purchased = self._ctx.settings.training.exclude_purchased
        # Re-purchasable categories need the rules, not the model stage, to drop past purchases.
        rules_exclude = bool(exclude_purchased and rules.exclude_purchased and rules.repurchasable_categories)
        _, history, scores = next(self._scored([user_id], exclude_purchased and not rules_exclude))
        index = self.loaded.index
        pool = [
            ScoredItem(index.item_ids[int(i)], round(float(scores[int(i)]), 6))
            for i in _top_k(scores, max(k * 5, 50))
        ]
        purchased = (
            frozenset(index.item_ids[i] for i in history.purchased)
            if history and rules_exclude
            else frozenset()
        )
        vectors = item_vectors(self.loaded.directory, index, pool) if rules.diversity > 0 else {}
        chosen = apply_rules(pool, self._items, rules, k, RuleContext(purchased=purchased, vectors=vectors))
        return [self._with_model_reasons(scored, history, scores) for scored in chosen]

    def _with_model_reasons(
        self, scored: ScoredItem, history: CustomerHistory | None, scores: np.ndarray
    ) -> ScoredItem:
        position = self.loaded.index.get(scored.item_id)
        if position is None:
            return scored
        explained = scored_items(
            self.loaded.model, self.loaded.index, history, [position], scores, self._items
        )[0]
        # A pin comes first ("promoted by the shop"), then why the model likes it, then boosts.
        pins = tuple(r for r in scored.reasons if r == PINNED_REASON)
        others = tuple(r for r in scored.reasons if r != PINNED_REASON)
        return ScoredItem(scored.item_id, scored.score, (*pins, *explained.reasons, *others))

    def recommend_many(
        self, user_ids: list[str], k: int = 10, exclude_purchased: bool | None = None
    ) -> Iterator[tuple[str, list[ScoredItem]]]:
        """The model's top ``k`` per user, with reasons (the batch path: no placement rules)."""
        loaded = self.loaded
        for user, history, scores in self._scored(user_ids, exclude_purchased):
            top = _top_k(scores, k)
            yield user, scored_items(loaded.model, loaded.index, history, top, scores, self._items)

    def _scored(
        self, user_ids: list[str], exclude_purchased: bool | None
    ) -> Iterator[tuple[str, CustomerHistory | None, np.ndarray]]:
        """(user, history, full score row) with unshowable items at -inf, in batches."""
        if exclude_purchased is None:
            exclude_purchased = self._ctx.settings.training.exclude_purchased
        loaded = self.loaded
        for start in range(0, len(user_ids), BATCH):
            chunk = user_ids[start : start + BATCH]
            resolved = self._histories(chunk)
            histories = [
                np.asarray(h.items if h else [], dtype=np.int32) for _, h in (resolved[u] for u in chunk)
            ]
            scores = loaded.model.score(histories)
            scores[:, ~loaded.index.known] = -np.inf  # never show items without catalog data
            for row, user in enumerate(chunk):
                history = resolved[user][1]
                if history is not None and exclude_purchased:
                    scores[row, list(history.purchased)] = -np.inf
                yield user, history, scores[row]


def _top_k(row: np.ndarray, k: int) -> np.ndarray:
    finite = np.flatnonzero(np.isfinite(row))
    if finite.size <= k:
        return finite[np.argsort(-row[finite], kind="stable")]
    part = finite[np.argpartition(-row[finite], k)[:k]]
    return part[np.argsort(-row[part], kind="stable")]
