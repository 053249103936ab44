"""The click stage: the last scoring stage of the request pipeline, for every placement whose
impressions the served version's click model learned from (but those of
``settings.ctr.exclude_placements``: search, by default, keeps its own learned ranker).

It re-scores the source's over-fetched candidates by the placement's objective — pCTR, pCTR × pCVR
or pCTR × pCVR × price (``settings.ctr``) — each item with its rank in the source's list as a
feature (what the ranker believes), scored in that rank's slot or in the top slot
(``ctr.serving_slot``), and hands them to the rules in that order. Reasons are left as the source wrote them: they state facts from the
data, and a model's probability is not one.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from functools import cached_property

import numpy as np

from shelfwise.ctr import ClickModel, ItemSpace, RecentItems
from shelfwise.domain import Item, ScoredItem
from shelfwise.encoders import TextEncoder, encoder_of_version
from shelfwise.profiles import CustomerProfile
from shelfwise.service.pipeline import Candidates, ListRequest
from shelfwise.settings import Settings
from shelfwise.settings.ctr import Objective

QUERY_CACHE = 2048  # query vectors kept (search traffic repeats its head queries)
STAGE_NAME = "click"


class ClickStage:
    name = STAGE_NAME

    def __init__(
        self,
        model: ClickModel,
        catalog: Mapping[str, Item],
        item_ids: list[str],
        vectors: np.ndarray | None,
        settings: Settings,
        encoder_name: str | None,
    ) -> None:
        self._model = model
        self._catalog = catalog
        self._item_ids = item_ids
        self._vectors = vectors
        self._settings = settings
        self._encoder_name = encoder_name
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()

    @cached_property
    def space(self) -> ItemSpace:
        return ItemSpace.build(self._catalog, self._item_ids, self._vectors)

    @cached_property
    def encoder(self) -> TextEncoder | None:
        if self._encoder_name is None:
            return None
        return encoder_of_version(self._encoder_name, self._settings.encoders)

    def applies(self, request: ListRequest) -> bool:
        placement = request.placement
        return placement in self._model.placements and placement not in self._settings.ctr.exclude_placements

    def rescore(
        self, request: ListRequest, customer: CustomerProfile | None, candidates: Candidates
    ) -> Candidates:
        if not candidates.items:
            return candidates
        settings = self._settings.ctr
        depth = settings.rerank_depth or len(candidates.items)
        head, tail = candidates.items[:depth], candidates.items[depth:]
        ids = [c.item_id for c in head]
        history = RecentItems(
            [e.item_id for e in customer.recent if e.item_id is not None] if customer is not None else []
        )
        # The candidates come in the source's order. A model that never saw a source rank (a log
        # of ingested impression events) scores every candidate at the top, without one.
        ranked = self._model.knows_source_rank
        at_source_slot = ranked and self._slot_rule() != "top"
        ctr, cvr = self._model.score(
            ids,
            request.placement,
            history,
            self.space,
            request.query,
            self._query_vector(request.query),
            source_ranks=list(range(len(ids))) if ranked else None,
            at_source_slot=at_source_slot,
        )
        if at_source_slot and self._slot_rule() == "attraction":
            # The click probability at the source's slot over that slot's examination: the item's
            # top-slot probability under the position-bias model (clicks = examination ×
            # attraction), asked where the log has data.
            # A candidate below the deepest slot the log ever showed is answered as if in that slot
            # (trees do not extrapolate), so that slot's examination is the one to divide by.
            stats = self._model.stats
            deepest = stats.deepest_slot()
            examined = np.array([stats.examination(min(slot, deepest)) for slot in range(len(ids))])
            ctr = np.minimum(ctr / examined, 1.0)
        prices = np.array([_price(candidates.catalog, i) for i in ids])
        value = objective_values(settings.objective_of(request.placement), ctr, cvr, prices)
        order = np.argsort(-value, kind="stable")
        items = [ScoredItem(ids[n], float(value[n]), head[n].reasons) for n in order.tolist()]
        return replace(candidates, items=[*items, *tail])

    def _slot_rule(self) -> str:
        """``ctr.serving_slot`` with ``auto`` resolved for the served model."""
        rule = self._settings.ctr.serving_slot
        if rule == "auto":
            return "top" if self._model.learned_from_exploration else "source"
        return rule

    def _query_vector(self, query: str | None) -> np.ndarray | None:
        if not query or self.encoder is None:
            return None
        vector = self._queries.get(query)
        if vector is None:
            vector = np.asarray(self.encoder.encode_batch([query]), dtype=np.float32)[0]
            self._queries[query] = vector
            if len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return vector


def objective_values(
    objective: Objective, ctr: np.ndarray, cvr: np.ndarray, prices: np.ndarray
) -> np.ndarray:
    """What a placement ranks by: pCTR, pCTR × pCVR (a sale) or pCTR × pCVR × price (revenue)."""
    if objective == "ctr":
        return ctr
    if objective == "ctr_cvr":
        return ctr * cvr
    return ctr * cvr * prices


def _price(catalog: Mapping[str, Item], item_id: str) -> float:
    item = catalog.get(item_id)
    return float(item.price) if item is not None and item.price is not None else 0.0
