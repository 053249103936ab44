"""The one request pipeline behind every ranked list Shelfwise serves.

    resolve the customer → candidates (with scores) → negative feedback → [re-scoring stages]
    → business rules → reasons → a ``RankedList`` stamped with ``request_id``, ``placement`` and
    ``model_version``

Each kind of list (next items, similar, complementary, search) is a ``ListSource``: it knows how to
fetch scored candidates from its model and how to explain the items that survive the rules. The
pipeline owns everything the kinds share — who the customer is, how many candidates to over-fetch,
the rules, the stamp — so a later stage (impression logging, experiments, a click model) is added
here once and applies to every placement.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from shelfwise.domain import Item, ScoredItem
from shelfwise.errors import ModelError
from shelfwise.profiles import CustomerProfile, ProfileBook
from shelfwise.ranking.negatives import NegativeFeedback
from shelfwise.ranking.rules import RuleContext, apply_rules
from shelfwise.settings.negatives import NegativeSettings
from shelfwise.settings.rules import PlacementRules
from shelfwise.storage.base import Store

ListKind = Literal["recommendations", "similar", "complementary", "search"]

# Candidates fetched per requested item before the rules: filters and caps need spares.
OVERFETCH = 5
MIN_CANDIDATES = 50


@dataclass(frozen=True)
class ListRequest:
    kind: ListKind
    placement: str  # the rules' placement: home, product, cart, search
    k: int = 10
    user_id: str | None = None
    item_ids: tuple[str, ...] = ()  # anchors of similar / complementary
    query: str | None = None
    exclude: frozenset[str] = frozenset()  # never shown in this list
    exclude_purchased: bool | None = None  # None: the settings decide
    # False: the model's own order (offline evaluation exports); the shop's rules are not applied.
    apply_rules: bool = True
    # Scoring stages (by ``ScoringStage.name``) this request runs without: an experiment's variant
    # serving the same version with and without its click stage.
    stages_off: frozenset[str] = frozenset()

    @property
    def fetch(self) -> int:
        if not self.apply_rules:
            return self.k + len(self.exclude)
        return max(self.k * OVERFETCH, MIN_CANDIDATES) + len(self.exclude)


@dataclass
class Candidates:
    """Scored candidates, best first, and what the rules need to judge them."""

    items: list[ScoredItem]
    rules: PlacementRules
    catalog: Mapping[str, Item]
    context: RuleContext = field(default_factory=RuleContext)
    state: Any = None  # the source's own working data, handed back to ``explain``
    extra: int = 0  # items the rules keep beyond k, for a source that still reorders them (bury)


@dataclass(frozen=True)
class RankedList:
    request_id: str
    kind: ListKind
    placement: str
    model_version: str | None  # None only for search before any training (no learned ranker)
    customer_id: str | None
    items: tuple[ScoredItem, ...]
    # Search: what the query gave up to find items (``RelaxStep``s, in order), a merchant redirect.
    relaxed: list[Any] = field(default_factory=list)
    redirect: str | None = None
    # Under an A/B experiment: which experiment assigned this customer, and to which variant.
    experiment: str | None = None
    variant: str | None = None
    # With exploration on: the probability the logging policy put each item in its slot (impressions
    # log it; the off-policy estimate divides by it). None: the list is the model's own ranking.
    propensities: tuple[float, ...] | None = None
    # The rank (0-based) the source gave each candidate before any re-scoring stage reordered them;
    # impressions log it so the click model learns what the ranker believed. An item not in it
    # (added by ``explain``) logs no rank.
    source_ranks: Mapping[str, int] = field(default_factory=dict)

    # A ranked list reads as the sequence of its items; the stamp travels with it.
    def __iter__(self) -> Iterator[ScoredItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, position: int) -> ScoredItem:
        return self.items[position]


class ListSource(Protocol):
    def candidates(self, request: ListRequest, customer: CustomerProfile | None) -> Candidates: ...

    def explain(
        self,
        request: ListRequest,
        customer: CustomerProfile | None,
        chosen: list[ScoredItem],
        candidates: Candidates,
    ) -> list[ScoredItem]: ...


class ScoringStage(Protocol):
    """A re-scoring stage between the source and the rules (the click model): it reorders the
    over-fetched candidates of the requests it applies to."""

    name: str  # what an experiment's variant names to run without it (``ListRequest.stages_off``)

    def applies(self, request: ListRequest) -> bool: ...

    def rescore(
        self, request: ListRequest, customer: CustomerProfile | None, candidates: Candidates
    ) -> Candidates: ...


class BatchListSource(ListSource, Protocol):
    """A source that can fetch many customers' candidates at once (batch scoring)."""

    def candidates_many(
        self, requests: Sequence[ListRequest], customers: Sequence[CustomerProfile | None]
    ) -> Iterator[Candidates]: ...


class Customers:
    """The one customer resolver of the request path: the server's live profiles, or (one-off
    commands) the same profiles built from the store for just the customers asked about."""

    def __init__(self, store: Store, live: ProfileBook | None = None, max_items: int = 200) -> None:
        self._store = store
        self._live = live
        self._max_items = max_items

    def resolve(self, id_or_user: str | None) -> CustomerProfile | None:
        if id_or_user is None:
            return None
        return self.resolve_many([id_or_user])[id_or_user]

    def resolve_many(self, ids: Sequence[str]) -> dict[str, CustomerProfile | None]:
        book = self._live if self._live is not None else ProfileBook.load(self._store, ids, self._max_items)
        return {i: book.get(i) for i in ids}


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestPipeline:
    def __init__(
        self,
        model_version: str,
        sources: Mapping[ListKind, ListSource],
        customers: Customers,
        negatives: NegativeFeedback | None = None,
        stages: Sequence[ScoringStage] = (),
    ) -> None:
        self.model_version = model_version
        self._sources = sources
        self._customers = customers
        self._stages = tuple(stages)
        # Without the served vectors the stage still removes disliked items (no neighbours).
        self._negatives = negatives or NegativeFeedback(NegativeSettings())

    @property
    def negatives(self) -> NegativeFeedback:
        return self._negatives

    def source(self, kind: ListKind) -> ListSource:
        source = self._sources.get(kind)
        if source is None:
            raise ModelError("no trained model yet: run `shelfwise train`")
        return source

    def run(self, request: ListRequest) -> RankedList:
        source = self.source(request.kind)
        customer = self._customers.resolve(request.user_id)
        return self.finish(request, customer, source, source.candidates(request, customer))

    def run_many(self, requests: Sequence[ListRequest]) -> Iterator[RankedList]:
        """Many lists of one kind; a batch-capable source scores them together."""
        if not requests:
            return
        source = self.source(requests[0].kind)
        customers = self._customers.resolve_many([r.user_id for r in requests if r.user_id])
        profiles = [customers.get(r.user_id) if r.user_id else None for r in requests]
        if hasattr(source, "candidates_many"):
            fetched: Iterator[Candidates] = source.candidates_many(requests, profiles)
        else:
            fetched = (source.candidates(r, p) for r, p in zip(requests, profiles, strict=True))
        for request, customer, candidates in zip(requests, profiles, fetched, strict=True):
            yield self.finish(request, customer, source, candidates)

    def finish(
        self,
        request: ListRequest,
        customer: CustomerProfile | None,
        source: ListSource,
        candidates: Candidates,
    ) -> RankedList:
        source_ranks = {c.item_id: rank for rank, c in enumerate(candidates.items)}
        # Re-scoring stages first: the negative-feedback demotion below must act on the final scores.
        for stage in self._stages:
            if stage.name not in request.stages_off and stage.applies(request):
                candidates = stage.rescore(request, customer, candidates)
        pool = [c for c in candidates.items if c.item_id not in request.exclude]
        disliked = customer.disliked if customer is not None else frozenset()
        # What the customer said no to never comes back, whatever the placement or the rules.
        pool = self._negatives.apply(pool, disliked)
        if request.apply_rules:
            chosen = apply_rules(
                pool, candidates.catalog, candidates.rules, request.k + candidates.extra, candidates.context
            )
        else:
            chosen = pool[: request.k]
        items = source.explain(request, customer, chosen, candidates)
        if disliked:  # ``explain`` may add items (new arrivals): the disliked stay out of those too
            items = [s for s in items if s.item_id not in disliked]
        return RankedList(
            request_id=new_request_id(),
            kind=request.kind,
            placement=request.placement,
            model_version=self.model_version,
            customer_id=customer.customer_id if customer is not None else None,
            items=tuple(items[: request.k]),
            relaxed=list(getattr(candidates.state, "relaxed", ()) or ()),
            redirect=getattr(candidates.state, "redirect", None),
            source_ranks=source_ranks,
        )
