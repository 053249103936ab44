"""Complementary items (product page, cart) and similar items, from the served version's
complement model, with the evidence behind each one rendered as reasons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from shelfwise.complements import ComplementModel
from shelfwise.domain import Item, ScoredItem
from shelfwise.errors import ConfigError, NotFoundError
from shelfwise.profiles import CustomerProfile
from shelfwise.ranking.explain import item_reasons
from shelfwise.ranking.rules import BOOSTED_REASON, PINNED_REASON, RuleContext
from shelfwise.service.pipeline import Candidates, ListRequest
from shelfwise.service.served import ServedModel
from shelfwise.settings import Settings
from shelfwise.settings.rules import PlacementRules


@dataclass
class _State:
    anchors: list[int]


class ComplementSource:
    """``similar=False``: what goes with the anchors (other kinds first); ``similar=True``: the same
    kind of item as the one anchor (text embeddings plus what shoppers compared it with)."""

    def __init__(
        self, model: ServedModel, catalog: Mapping[str, Item], settings: Settings, similar: bool = False
    ) -> None:
        self._served = model
        self._catalog = catalog
        self._settings = settings
        self._similar = similar

    @property
    def model(self) -> ComplementModel:
        return self._served.complements

    def positions(self, item_ids: Sequence[str]) -> list[int]:
        if not item_ids:
            raise ConfigError("give at least one item id")
        index, positions = self._served.index, []
        for item_id in item_ids:
            position = index.get(item_id)
            if position is None or not index.known[position]:
                if item_id in self._catalog:
                    raise NotFoundError(
                        f"item {item_id!r} is newer than model {self._served.version}: run `shelfwise train`"
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

    def candidates(self, request: ListRequest, customer: CustomerProfile | None) -> Candidates:
        anchors = self.positions(request.item_ids)
        model = self.model
        scores = model.similar_scores(anchors[0]) if self._similar else model.complement_scores(anchors)
        return self.candidates_from(scores, request, customer, self.rules(request.placement), anchors)

    def candidates_from(
        self,
        scores: np.ndarray,
        request: ListRequest,
        customer: CustomerProfile | None,
        rules: PlacementRules,
        anchors: list[int],
    ) -> Candidates:
        index, model = self._served.index, self.model
        fetch = min(request.fetch + len(rules.pins), int(np.isfinite(scores).sum()))
        top = (
            np.argpartition(-scores, fetch - 1)[:fetch] if 0 < fetch < len(scores) else np.arange(len(scores))
        )
        top = top[np.isfinite(scores[top])]
        top = top[np.argsort(-scores[top], kind="stable")]
        pool = [ScoredItem(index.item_ids[j], round(float(scores[j]), 6)) for j in top]
        ids = [c.item_id for c in pool] + [p for p in rules.pins if index.get(p) is not None]
        positions = {i: p for i in ids if (p := index.get(i)) is not None}
        purchased = customer.purchased if customer is not None else frozenset()
        context = RuleContext(
            purchased=frozenset(purchased),
            exclude=frozenset(request.item_ids),
            category_of={i: model.category_names[model.category_of[p]] for i, p in positions.items()},
            vectors={i: model.embeddings[p] for i, p in positions.items()} if rules.diversity > 0 else {},
        )
        return Candidates(pool, rules, self._catalog, context, _State(anchors))

    def explain(
        self,
        request: ListRequest,
        customer: CustomerProfile | None,
        chosen: list[ScoredItem],
        candidates: Candidates,
    ) -> list[ScoredItem]:
        anchors: list[int] = candidates.state.anchors
        index, model = self._served.index, self.model
        positions = [index.get(s.item_id) for s in chosen]
        if self._similar:
            evidence = {p: model.similar_evidence(anchors[0], p) for p in positions if p is not None}
        else:
            known = [p for p in positions if p is not None]
            evidence = dict(zip(known, model.complement_evidence(anchors, known), strict=True))
        return [
            self._with_reasons(s, evidence.get(p, []) if p is not None else [])
            for s, p in zip(chosen, positions, strict=True)
        ]

    def _with_reasons(self, scored: ScoredItem, evidence: Sequence[object]) -> ScoredItem:
        titles = self.model.titles
        model_reasons = item_reasons(evidence, lambda position: titles[position])  # type: ignore[arg-type]
        pinned = tuple(r for r in scored.reasons if r == PINNED_REASON)
        boosted = tuple(r for r in scored.reasons if r == BOOSTED_REASON)
        # No evidence, no reason: an item is never given a generic one it did not earn.
        return ScoredItem(scored.item_id, scored.score, (*pinned, *model_reasons, *boosted))
