"""Use cases: every ranked list — next items, similar, complementary, bundles, search — answered by
one request pipeline over one served model version (the model store's active version unless a
version is named). The CLI makes one per command; the server keeps one per served version and
hands it its live profiles, catalog and new-item vectors."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from shelfwise.domain import Item, ScoredItem
from shelfwise.profiles import ProfileBook
from shelfwise.ranking.negatives import NegativeFeedback
from shelfwise.search.snapshot import SNAPSHOT_DIR
from shelfwise.service.click_stage import ClickStage
from shelfwise.service.context import ServiceContext
from shelfwise.service.fresh_items import FreshItems
from shelfwise.service.pipeline import (
    Customers,
    ListKind,
    ListRequest,
    ListSource,
    RankedList,
    RequestPipeline,
    ScoringStage,
)
from shelfwise.service.placements.search import SearchSource
from shelfwise.service.served import ServedModel, load_served

if TYPE_CHECKING:  # the complement model (and scipy.sparse) load only when a list needs them
    from shelfwise.service.placements.complements import ComplementSource


@dataclass(frozen=True)
class Bundle:
    """ "Frequently bought together": the anchors plus complements, one per category."""

    anchors: tuple[str, ...]
    items: tuple[ScoredItem, ...]  # the added complements, best first
    total_price: float | None  # anchors + items; None when a price is missing
    currency: str | None
    model_version: str | None


@dataclass
class LiveState:
    """What the server keeps current per event and hands to every list (no store on the hot path)."""

    profiles: ProfileBook
    catalog: Mapping[str, Item]
    fresh: FreshItems | None = None


class ListService:
    def __init__(
        self,
        ctx: ServiceContext,
        version: str | None = None,
        live: LiveState | None = None,
        search_ctx: ServiceContext | None = None,
        progress: bool = False,
        kinds: frozenset[ListKind] | None = None,
        one_request: bool = False,
    ) -> None:
        """``kinds``: the lists this service answers (None: all). A one-off ``shelfwise search``
        names only search, so it never loads the next-item or complement models. ``one_request``:
        it answers one request, so models load the way that answers soonest (the search ranker's
        trees scored with numpy: no LightGBM import; the same scores, slower per request)."""
        self._ctx = ctx
        self._kinds = kinds
        self._version = version
        self._live = live
        # The server gives search its own store connection (it refreshes from a background thread).
        self._search_ctx = search_ctx or ctx
        self._progress = progress
        self._one_request = one_request

    # ------------------------------------------------------------------ assembly
    @cached_property
    def served(self) -> ServedModel:
        # A one-off search (``kinds`` given) reads vectors only for the rows it touches.
        return load_served(
            self._ctx.models, self._version, mapped=self._kinds is not None, one_off=self._one_request
        )

    @cached_property
    def served_or_none(self) -> ServedModel | None:
        """The served version, or None before the first training (search still works, unlearned)."""
        if self._version is None and self._ctx.models.newest_good() is None:
            return None
        return self.served

    @cached_property
    def catalog(self) -> Mapping[str, Item]:
        if self._live is not None:
            return self._live.catalog
        return {item.item_id: item for item in self._ctx.store.iter_items()}

    @cached_property
    def search_source(self) -> SearchSource:
        served = self.served_or_none
        ranker = served.search_ranker if served is not None else None
        query_encoder = served.search_query_encoder if served is not None else None
        return SearchSource(
            self._ctx.settings,
            self._search_ctx.store,
            ranker,
            progress=self._progress,
            query_encoder=query_encoder,
            snapshot=served.directory / SNAPSHOT_DIR if served is not None else None,
        )

    @cached_property
    def complement_source(self) -> ComplementSource:
        from shelfwise.service.placements.complements import ComplementSource

        # The server's background encoder feeds new items' vectors in (``add_new_items``); a one-off
        # command encodes them on first use.
        return ComplementSource(
            self.served, self.catalog, self._ctx.settings, encode_new_items=self._live is None
        )

    @cached_property
    def pipeline(self) -> RequestPipeline:
        settings, served = self._ctx.settings, self.served_or_none
        customers = Customers(
            self._ctx.store, self._live.profiles if self._live else None, settings.serve.profile_max_items
        )
        sources: dict[ListKind, ListSource] = {"search": self.search_source}
        stages: list[ScoringStage] = []
        if served is not None:
            fresh = self._live.fresh if self._live else None
            if self._answers("recommendations"):
                from shelfwise.service.placements.next_item import NextItemSource

                sources["recommendations"] = NextItemSource(served, self.catalog, settings, fresh)
            if self._answers("complementary"):
                sources["complementary"] = self.complement_source
            if self._answers("similar"):
                from shelfwise.service.placements.complements import ComplementSource

                sources["similar"] = ComplementSource(served, self.catalog, settings, similar=True)
            if self._click_stage_may_apply() and served.click_model is not None:
                stages.append(
                    ClickStage(
                        served.click_model,
                        self.catalog,
                        served.index.item_ids,
                        served.embeddings,
                        settings,
                        served.encoder_name,
                    )
                )
        negatives = NegativeFeedback(
            settings.negatives,
            served.index if served else None,
            served.embeddings if served else None,
        )
        return RequestPipeline(served.version if served else None, sources, customers, negatives, stages)

    def _answers(self, kind: ListKind) -> bool:
        return self._kinds is None or kind in self._kinds

    def _click_stage_may_apply(self) -> bool:
        """False when the click stage could rank none of this service's lists: a search-only
        service with search excluded (the default) then loads neither the click model nor the
        catalog the stage reads."""
        ctr = self._ctx.settings.ctr
        if not ctr.enabled:
            return False
        return self._kinds is None or self._kinds != {"search"} or "search" not in ctr.exclude_placements

    # ------------------------------------------------------------------ lists
    def recommend(
        self,
        user_id: str,
        k: int = 10,
        placement: str = "home",
        exclude: Sequence[str] = (),
        exclude_purchased: bool | None = None,
        stages_off: frozenset[str] = frozenset(),
    ) -> RankedList:
        """Next items for a user id (any channel) or customer id; unknown ids get what is trending.
        ``stages_off``: scoring stages to skip (an experiment variant's)."""
        return self.pipeline.run(
            ListRequest(
                "recommendations",
                placement,
                k,
                user_id,
                exclude=frozenset(exclude),
                exclude_purchased=exclude_purchased,
                stages_off=stages_off,
            )
        )

    def recommend_many(
        self,
        user_ids: Sequence[str],
        k: int = 10,
        exclude_purchased: bool | None = None,
        apply_rules: bool = True,
    ) -> Iterator[RankedList]:
        """The batch path: customers scored together (``apply_rules=False``: the model's own order)."""
        requests = [
            ListRequest(
                "recommendations", "home", k, u, exclude_purchased=exclude_purchased, apply_rules=apply_rules
            )
            for u in user_ids
        ]
        return self.pipeline.run_many(requests)

    def complementary(
        self,
        item_ids: Sequence[str],
        k: int = 10,
        placement: str | None = None,
        user_id: str | None = None,
        stages_off: frozenset[str] = frozenset(),
    ) -> RankedList:
        """What goes with one product ("product" placement) or a cart of several ("cart")."""
        placement = placement or ("product" if len(item_ids) == 1 else "cart")
        return self.pipeline.run(
            ListRequest("complementary", placement, k, user_id, tuple(item_ids), stages_off=stages_off)
        )

    def similar(
        self,
        item_id: str,
        k: int = 10,
        placement: str = "product",
        user_id: str | None = None,
        stages_off: frozenset[str] = frozenset(),
    ) -> RankedList:
        return self.pipeline.run(
            ListRequest("similar", placement, k, user_id, (item_id,), stages_off=stages_off)
        )

    def search(
        self, query: str, user_id: str | None = None, k: int = 10, stages_off: frozenset[str] = frozenset()
    ) -> RankedList:
        return self.pipeline.run(
            ListRequest("search", "search", k, user_id, query=query, stages_off=stages_off)
        )

    def answer(self, query: str, user_id: str | None = None, k: int = 10) -> RankedList:
        """``search``: the list also says what the query relaxed and any merchant redirect."""
        return self.search(query, user_id, k)

    def explain_search(self, query: str) -> dict[str, Any]:
        return self.search_source.explain_query(query)

    def bundle(self, item_ids: Sequence[str], size: int = 3) -> Bundle:
        """The anchors plus ``size - len(item_ids)`` (at least one) complements from distinct
        categories other than the anchors', in stock, with the combined price."""
        extra = max(size - len(item_ids), 1)
        source = self.complement_source
        request = ListRequest(
            "complementary", "product" if len(item_ids) == 1 else "cart", extra, None, tuple(item_ids)
        )
        rules = source.rules(request.placement).model_copy(
            update={"max_per_category": 1, "in_stock_only": True, "pins": [], "diversity": 0.0}
        )
        space = source.space()
        anchors = source.positions(item_ids, space)
        scores = source.scores(space, anchors)
        # Not the anchors' own categories: a bundle completes the purchase.
        scores[np.isin(space.category_of, [space.category_of[a] for a in anchors])] = -np.inf
        candidates = source.candidates_from(scores, request, None, rules, anchors, space)
        ranked = self.pipeline.finish(request, None, source, candidates)
        seen: set[str] = set()
        items = []
        for scored in ranked.items:  # a bundle wants distinct categories more than it wants k items
            label = candidates.context.category_of.get(scored.item_id, "")
            if label not in seen:
                seen.add(label)
                items.append(scored)
        members = [self.catalog[i] for i in item_ids] + [self.catalog[s.item_id] for s in items]
        prices = [m.price for m in members]
        currencies = {m.currency for m in members if m.currency}
        total = (
            round(sum(p for p in prices if p is not None), 2) if all(p is not None for p in prices) else None
        )
        return Bundle(
            tuple(item_ids),
            tuple(items),
            total,
            currencies.pop() if len(currencies) == 1 else None,
            ranked.model_version,
        )

    def close(self) -> None:
        if "search_source" in self.__dict__:
            self.search_source.close()
