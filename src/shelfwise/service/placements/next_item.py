"""Next items for a customer (home, cart and product placements): the served next-item model scores
every item from the customer's live history; new arrivals the model has not seen get slots through
their text (``FreshItems``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from shelfwise.domain import Item, ScoredItem
from shelfwise.history import CustomerHistory
from shelfwise.profiles import CustomerProfile
from shelfwise.ranking.explain import scored_items
from shelfwise.ranking.rules import PINNED_REASON, RuleContext
from shelfwise.service.fresh_items import FreshItems
from shelfwise.service.pipeline import Candidates, ListRequest
from shelfwise.service.placements.ranking_cache import Ranking, RankingCache
from shelfwise.service.served import ServedModel
from shelfwise.settings import Settings
from shelfwise.settings.rules import PlacementRules

BATCH = 512  # customers scored in one matrix product
FRESH_SLOTS = 2  # at most this many new arrivals per recommendation list
FRESH_POSITION = 2  # ... starting at the third slot: visible, without displacing the best match
FRESH_MIN_SIMILARITY = 0.5
FRESH_ANCHORS = 5  # the customer's last items a new arrival is compared with
CACHE_DEPTH = 300  # model positions kept per cached customer (k = 10 fetches 50)


@dataclass
class _State:
    history: CustomerHistory | None
    scores: np.ndarray  # the model's full score row (-inf beyond a cached ranking's depth)


class NextItemSource:
    def __init__(
        self,
        model: ServedModel,
        catalog: Mapping[str, Item],
        settings: Settings,
        fresh: FreshItems | None = None,
    ) -> None:
        self._model = model
        self._catalog = catalog
        self._settings = settings
        self._fresh = fresh
        self.cache = RankingCache(settings.serve.ranking_cache_customers)

    def candidates(self, request: ListRequest, customer: CustomerProfile | None) -> Candidates:
        """One customer: from the ranking cache while their profile is unchanged, else scored."""
        if customer is None or self.cache.capacity <= 0:
            return next(self.candidates_many([request], [customer]))
        policy = self._policy(request)
        cached = self.cache.get(customer)
        if cached is not None:
            top = cached.top(request.fetch, self._masked(cached.history, policy[1]))
            if top is not None:
                row = np.full(len(self._model.index), -np.inf, dtype=np.float32)
                row[cached.positions] = cached.scores
                return self._finish(request, cached.history, policy, *top, row)
        history = customer.history(self._model.index)
        row = self._scores([history])[0]
        masked = self._masked(history, policy[1])
        depth = max(CACHE_DEPTH, request.fetch + len(masked))
        positions = top_k(row, depth)
        ranking = Ranking(history, positions, row[positions], len(positions) < depth)
        self.cache.put(customer, ranking)
        top = ranking.top(request.fetch, masked)
        assert top is not None  # the depth covers the fetch and every masked position
        return self._finish(request, history, policy, *top, row)

    def candidates_many(
        self, requests: Sequence[ListRequest], customers: Sequence[CustomerProfile | None]
    ) -> Iterator[Candidates]:
        index = self._model.index
        for start in range(0, len(requests), BATCH):
            chunk = list(zip(requests[start : start + BATCH], customers[start : start + BATCH], strict=True))
            histories = [c.history(index) if c is not None else None for _, c in chunk]
            scores = self._scores(histories)
            for row, ((request, _), history) in enumerate(zip(chunk, histories, strict=True)):
                yield self._candidates(request, history, scores[row])

    def _scores(self, histories: Sequence[CustomerHistory | None]) -> np.ndarray:
        scores = self._model.recommender.score(
            [np.asarray(h.items if h else [], dtype=np.int32) for h in histories]
        )
        scores[:, ~self._model.index.known] = -np.inf  # never show items without catalog data
        return scores

    def _policy(self, request: ListRequest) -> tuple[PlacementRules, bool, bool]:
        """The placement's rules; whether the model stage masks past purchases; whether the rules do."""
        rules = self._settings.rules.for_placement(request.placement)
        exclude = request.exclude_purchased
        if exclude is None:
            exclude = self._settings.training.exclude_purchased
        # Re-purchasable categories need the rules, not the model stage, to drop past purchases.
        rules_exclude = bool(exclude and rules.exclude_purchased and rules.repurchasable_categories)
        return rules, bool(exclude and not rules_exclude), rules_exclude

    @staticmethod
    def _masked(history: CustomerHistory | None, mask: bool) -> set[int]:
        return history.purchased if history is not None and mask else set()

    def _candidates(
        self, request: ListRequest, history: CustomerHistory | None, row: np.ndarray
    ) -> Candidates:
        policy = self._policy(request)
        masked = self._masked(history, policy[1])
        if masked:
            row = row.copy()
            row[list(masked)] = -np.inf
        positions = top_k(row, request.fetch)
        return self._finish(request, history, policy, positions, row[positions], row)

    def _finish(
        self,
        request: ListRequest,
        history: CustomerHistory | None,
        policy: tuple[PlacementRules, bool, bool],
        positions: np.ndarray,
        scores: np.ndarray,
        row: np.ndarray,
    ) -> Candidates:
        rules, _, rules_exclude = policy
        index = self._model.index
        pool = [
            ScoredItem(index.item_ids[int(i)], round(float(s), 6))
            for i, s in zip(positions, scores, strict=True)
        ]
        purchased = (
            frozenset(index.item_ids[i] for i in history.purchased)
            if history and rules_exclude
            else frozenset()
        )
        vectors = self._vectors(pool) if rules.diversity > 0 and request.apply_rules else {}
        return Candidates(
            pool,
            rules,
            self._catalog,
            RuleContext(purchased=purchased, vectors=vectors),
            _State(history, row),
        )

    def _vectors(self, pool: Sequence[ScoredItem]) -> dict[str, np.ndarray]:
        embeddings = self._model.embeddings
        if embeddings is None:
            return {}
        positions = {s.item_id: self._model.index.get(s.item_id) for s in pool}
        return {item_id: embeddings[p] for item_id, p in positions.items() if p is not None}

    def explain(
        self,
        request: ListRequest,
        customer: CustomerProfile | None,
        chosen: list[ScoredItem],
        candidates: Candidates,
    ) -> list[ScoredItem]:
        state: _State = candidates.state
        index = self._model.index
        positions = [index.get(s.item_id) for s in chosen]
        explained = scored_items(
            self._model.recommender,
            index,
            state.history,
            [p for p in positions if p is not None],
            state.scores,
            self._catalog,
        )
        by_id = {s.item_id: s for s in explained}
        out = []
        for scored in chosen:
            model = by_id.get(scored.item_id)
            # A pin comes first ("promoted by the shop"), then why the model likes it, then boosts.
            pins = tuple(r for r in scored.reasons if r == PINNED_REASON)
            others = tuple(r for r in scored.reasons if r != PINNED_REASON)
            out.append(
                ScoredItem(scored.item_id, scored.score, (*pins, *(model.reasons if model else ()), *others))
            )
        if request.apply_rules:
            out = self._with_fresh(customer, out, request)
        return out

    def _with_fresh(
        self, customer: CustomerProfile | None, ranked: list[ScoredItem], request: ListRequest
    ) -> list[ScoredItem]:
        """Give new arrivals that match the customer's recent items a slot (see fresh_items). A new
        arrival's score is its text similarity to the item it matched, not a model score."""
        fresh, embeddings = self._fresh, self._model.embeddings
        if fresh is None or embeddings is None or not len(fresh) or customer is None:
            return ranked
        index = self._model.index
        anchors = [
            p
            for p in (index.get(e.item_id) for e in customer.recent[-FRESH_ANCHORS:] if e.item_id)
            if p is not None
        ]
        if not anchors:
            return ranked
        skip = set(request.exclude) | customer.purchased | {s.item_id for s in ranked}
        matches = fresh.best_matches(embeddings[anchors], FRESH_SLOTS + len(skip), FRESH_MIN_SIMILARITY)
        picks = [m for m in matches if m.item_id not in skip and m.item_id in self._catalog][:FRESH_SLOTS]
        out = list(ranked)
        for offset, match in enumerate(picks):
            position = min(FRESH_POSITION + offset, len(out))
            anchor_id = index.item_ids[anchors[match.anchor]]
            anchor = self._catalog.get(anchor_id)
            verb = "bought" if anchor_id in customer.purchased else "looked at"
            reason = (
                f"new arrival, text {match.similarity:.0%} similar to “{anchor.title if anchor else anchor_id}”, "
                f"which you {verb}"
            )
            out.insert(position, ScoredItem(match.item_id, round(match.similarity, 6), (reason,)))
        return out


def top_k(row: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` best finite scores, best first (ties in index order)."""
    finite = np.flatnonzero(np.isfinite(row))
    if finite.size <= k:
        return finite[np.argsort(-row[finite], kind="stable")]
    part = finite[np.argpartition(-row[finite], k)[:k]]
    return part[np.argsort(-row[part], kind="stable")]
