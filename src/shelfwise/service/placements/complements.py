"""Complementary items (product page, cart) and similar items, from the served version's
complement model, with the evidence behind each one rendered as reasons.

Items newer than the model (ingested or posted after the last ``shelfwise train``) are scored by
``FreshComplements`` from their text and attributes, as anchors and as candidates. The server feeds
it the vectors its background encoder makes (``add_new_items``); a one-off command encodes the new
items itself with the version's encoder on first use (cached, so the next call costs nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from shelfwise.complements import ComplementModel, FreshComplements
from shelfwise.domain import Item, ScoredItem
from shelfwise.encoders import EmbeddingCache, encoder_of_version, item_text
from shelfwise.errors import ConfigError, NotFoundError
from shelfwise.history import ItemIndex
from shelfwise.profiles import CustomerProfile
from shelfwise.ranking.explain import item_reasons
from shelfwise.ranking.rules import BOOSTED_REASON, PINNED_REASON, RuleContext
from shelfwise.service.pipeline import Candidates, ListRequest
from shelfwise.service.served import ServedModel
from shelfwise.settings import Settings
from shelfwise.settings.rules import PlacementRules


@dataclass(frozen=True)
class Space:
    """Positions of one request: the model's items, then the items newer than the model."""

    item_ids: list[str]
    category_of: np.ndarray
    fresh: FreshComplements | None

    def position(self, index: ItemIndex, item_id: str) -> int | None:
        position = index.get(item_id)
        if position is not None and bool(index.known[position]):
            return position
        return self.fresh.position(item_id) if self.fresh is not None else None


@dataclass
class _State:
    anchors: list[int]
    space: Space


class ComplementSource:
    """``similar=False``: what goes with the anchors (other kinds first); ``similar=True``: the same
    kind of item as the one anchor (text embeddings plus what shoppers compared it with)."""

    def __init__(
        self,
        model: ServedModel,
        catalog: Mapping[str, Item],
        settings: Settings,
        similar: bool = False,
        encode_new_items: bool = True,
        fresh: FreshComplements | None = None,
    ) -> None:
        self._served = model
        self._catalog = catalog
        self._settings = settings
        self._similar = similar
        # False when someone else (the server's background encoder) calls ``add_new_items``.
        self._encode_new_items = encode_new_items
        if fresh is not None:
            self.__dict__["fresh"] = fresh

    @property
    def model(self) -> ComplementModel:
        return self._served.complements

    @cached_property
    def fresh(self) -> FreshComplements:
        """Items newer than the model (see the module doc)."""
        return FreshComplements(self.model)

    # ------------------------------------------------------------------ new items
    def add_new_items(self, item_ids: Sequence[str], vectors: np.ndarray) -> None:
        """New items' text vectors (the version's encoder): they get and give complements now."""
        index = self._served.index
        items, rows = [], []
        for row, item_id in enumerate(item_ids):
            item = self._catalog.get(item_id)
            position = index.get(item_id)
            if item is not None and (position is None or not index.known[position]):
                items.append(item)
                rows.append(row)
        if items:
            self.fresh.add_many(items, np.asarray(vectors)[rows])

    def _encode_new(self) -> None:
        """Encode the catalog items the model has not seen and the new-item set lacks (CLI)."""
        index, fresh = self._served.index, self.fresh
        missing = [
            item
            for item_id, item in list(self._catalog.items())
            if ((p := index.get(item_id)) is None or not index.known[p]) and fresh.position(item_id) is None
        ]
        name = self._served.encoder_name
        if not missing or not name:
            return  # no encoder name: new items wait for the next training
        settings = self._settings.encoders
        cache = EmbeddingCache(encoder_of_version(name, settings), settings.resolved_embedding_cache_dir())
        try:
            vectors = cache.encode([item_text(item) for item in missing], progress=False)
        finally:
            cache.close()
        self.add_new_items([item.item_id for item in missing], np.asarray(vectors, dtype=np.float32))

    def space(self) -> Space:
        model, index = self.model, self._served.index
        if self._encode_new_items and not self._similar:
            self._encode_new()
        fresh = self.__dict__.get("fresh")
        if fresh is None or not len(fresh) or self._similar:
            return Space(index.item_ids, model.category_of, None)
        return Space(index.item_ids + fresh.item_ids, fresh.category_of(), fresh)

    # ------------------------------------------------------------------ the list source
    def positions(self, item_ids: Sequence[str], space: Space) -> list[int]:
        if not item_ids:
            raise ConfigError("give at least one item id")
        positions = []
        for item_id in item_ids:
            position = space.position(self._served.index, item_id)
            if position is None:
                if item_id in self._catalog:
                    raise NotFoundError(
                        f"item {item_id!r} is newer than model {self._served.version}"
                        + (": run `shelfwise train`" if self._similar else " and its text is not encoded yet")
                    )
                raise NotFoundError(f"no item {item_id!r}")
            positions.append(position)
        return positions

    def rules(self, placement: str) -> PlacementRules:
        rules = self._settings.rules.for_placement(placement)
        if self._similar:
            # Similar items are one category by nature: a per-category cap would only push weaker
            # items of other categories up, so it does not apply here.
            rules = rules.model_copy(update={"max_per_category": None})
        return rules

    def scores(self, space: Space, anchors: list[int]) -> np.ndarray:
        if self._similar:
            return self.model.similar_scores(anchors[0])
        if space.fresh is None:
            return self.model.complement_scores(anchors)
        return space.fresh.complement_scores(anchors)

    def candidates(self, request: ListRequest, customer: CustomerProfile | None) -> Candidates:
        space = self.space()
        anchors = self.positions(request.item_ids, space)
        return self.candidates_from(
            self.scores(space, anchors), request, customer, self.rules(request.placement), anchors, space
        )

    def candidates_from(
        self,
        scores: np.ndarray,
        request: ListRequest,
        customer: CustomerProfile | None,
        rules: PlacementRules,
        anchors: list[int],
        space: Space,
    ) -> Candidates:
        index, model = self._served.index, self.model
        fetch = min(request.fetch + len(rules.pins), int(np.isfinite(scores).sum()))
        top = (
            np.argpartition(-scores, fetch - 1)[:fetch] if 0 < fetch < len(scores) else np.arange(len(scores))
        )
        top = top[np.isfinite(scores[top])]
        top = top[np.argsort(-scores[top], kind="stable")]
        pool = [ScoredItem(space.item_ids[j], round(float(scores[j]), 6)) for j in top]
        ids = [c.item_id for c in pool] + list(rules.pins)
        positions = {i: p for i in ids if (p := space.position(index, i)) is not None}
        vector: Callable[[int], np.ndarray] = (
            space.fresh.vector if space.fresh is not None else model.embeddings.__getitem__
        )
        purchased = customer.purchased if customer is not None else frozenset()
        context = RuleContext(
            purchased=frozenset(purchased),
            exclude=frozenset(request.item_ids),
            category_of={i: model.category_names[space.category_of[p]] for i, p in positions.items()},
            vectors={i: vector(p) for i, p in positions.items()} if rules.diversity > 0 else {},
        )
        return Candidates(pool, rules, self._catalog, context, _State(anchors, space))

    def explain(
        self,
        request: ListRequest,
        customer: CustomerProfile | None,
        chosen: list[ScoredItem],
        candidates: Candidates,
    ) -> list[ScoredItem]:
        state: _State = candidates.state
        anchors, space = state.anchors, state.space
        positions = [space.position(self._served.index, s.item_id) for s in chosen]
        known = [p for p in positions if p is not None]
        if self._similar:
            evidence = {p: self.model.similar_evidence(anchors[0], p) for p in known}
        else:
            explain = (
                space.fresh.complement_evidence if space.fresh is not None else self.model.complement_evidence
            )
            evidence = dict(zip(known, explain(anchors, known), strict=True))
        title_of = space.fresh.title if space.fresh is not None else self.model.titles.__getitem__
        return [
            self._with_reasons(s, evidence.get(p, []) if p is not None else [], title_of)
            for s, p in zip(chosen, positions, strict=True)
        ]

    @staticmethod
    def _with_reasons(
        scored: ScoredItem, evidence: Sequence[object], title_of: Callable[[int], str]
    ) -> ScoredItem:
        model_reasons = item_reasons(evidence, title_of)  # type: ignore[arg-type]
        pinned = tuple(r for r in scored.reasons if r == PINNED_REASON)
        boosted = tuple(r for r in scored.reasons if r == BOOSTED_REASON)
        # No evidence, no reason: an item is never given a generic one it did not earn.
        return ScoredItem(scored.item_id, scored.score, (*pinned, *model_reasons, *boosted))
