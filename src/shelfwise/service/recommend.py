"""Use case: next-item recommendations for a customer, with reasons.

The customer's history is read from the store at request time (all accounts, all channels), so
what was ingested after training already shapes the answer; only items the model was trained on
can be scored until the next ``shelfwise train``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from shelfwise.domain import ENGAGEMENT_TYPES, Item, ScoredItem
from shelfwise.ranking.explain import scored_items
from shelfwise.retrieval import SequentialRecommender
from shelfwise.service.context import ServiceContext
from shelfwise.training.artifacts import read_manifest, resolve_version
from shelfwise.training.data import CustomerHistory, ItemIndex, build_histories, customer_of_users
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
    def __init__(self, ctx: ServiceContext, version: str | None = None) -> None:
        self._ctx = ctx
        self._version = version

    @cached_property
    def loaded(self) -> LoadedModel:
        return load_version(self._ctx.settings.artifacts_dir, self._version)

    @cached_property
    def _items(self) -> dict[str, Item]:
        return {item.item_id: item for item in self._ctx.store.iter_items()}

    def _histories(self, user_ids: Iterable[str]) -> dict[str, tuple[str, CustomerHistory | None]]:
        """user id (or customer id) → (customer id, history across all the customer's accounts)."""
        store = self._ctx.store
        customer_of = customer_of_users(store)
        members: dict[str, list[str]] = {}
        for user, customer in customer_of.items():
            members.setdefault(customer, []).append(user)
        wanted: dict[str, str] = {}
        for requested in user_ids:
            # A user id resolves to its customer; anything else is taken as a customer id.
            wanted[requested] = customer_of.get(requested, requested)
        accounts = [u for c in set(wanted.values()) for u in members.get(c, [])]
        events = [s.event for s in store.iter_events(types=ENGAGEMENT_TYPES, user_ids=accounts)] if accounts else []
        histories = build_histories(events, self.loaded.index, customer_of)
        return {req: (cust, histories.get(cust)) for req, cust in wanted.items()}

    def recommend(self, user_id: str, k: int = 10, exclude_purchased: bool | None = None) -> list[ScoredItem]:
        return next(iter(self.recommend_many([user_id], k, exclude_purchased)))[1]

    def recommend_many(
        self, user_ids: list[str], k: int = 10, exclude_purchased: bool | None = None
    ) -> Iterator[tuple[str, list[ScoredItem]]]:
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
                top = _top_k(scores[row], k)
                yield user, scored_items(loaded.model, loaded.index, history, top, scores[row], self._items)


def _top_k(row: np.ndarray, k: int) -> np.ndarray:
    finite = np.flatnonzero(np.isfinite(row))
    if finite.size <= k:
        return finite[np.argsort(-row[finite], kind="stable")]
    part = finite[np.argpartition(-row[finite], k)[:k]]
    return part[np.argsort(-row[part], kind="stable")]
