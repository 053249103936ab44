"""Product search as a list source: the search engine over the store's catalog and search log,
with the served version's learned ranker, personalised by the customer's live profile.

One instance lives as long as the served version (the HTTP API holds one): the index is built on the
first request, or ahead of time by ``warm()``; after that each request only checks whether the
catalog or the search log changed (a count query at most every ``COUNT_CHECK_SECONDS``, a full diff
every ``search.refresh_seconds``) and indexes just the new or changed items. New items are therefore
searchable at once, without ``shelfwise train``; training only adds the learned re-ranker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shelfwise.domain import Item, ScoredItem
from shelfwise.encoders import EmbeddingCache
from shelfwise.encoders.query_tuning import TunedQueryEncoder
from shelfwise.errors import ConfigError
from shelfwise.profiles import CustomerProfile
from shelfwise.ranking.rules import RuleContext
from shelfwise.search.engine import SearchEngine
from shelfwise.search.factory import behaviour_of, build_engine, popularity_of, rules_of
from shelfwise.search.index import Row
from shelfwise.search.personal import build_profile
from shelfwise.search.ranker import SearchRanker
from shelfwise.search.relax import RelaxStep
from shelfwise.search.rules import QueryRule, apply_query_rules
from shelfwise.service.pipeline import Candidates, ListRequest
from shelfwise.settings import Settings
from shelfwise.settings.rules import SearchRules
from shelfwise.storage.base import RULES_CHANGE, Store

# At most one change check (two COUNT(*) queries) per this many seconds (or per
# ``search.refresh_seconds`` when that is shorter: 0 checks on every request).
COUNT_CHECK_SECONDS = 1.0


@dataclass
class _State:
    relaxed: list[RelaxStep]
    query_rules: tuple[QueryRule, ...]
    exists: Callable[[str], bool]
    redirect: str | None = None  # set by ``explain`` when a merchant rule redirects the query


class SearchSource:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        ranker: SearchRanker | None,
        progress: bool = False,
        query_encoder: TunedQueryEncoder | None = None,
        snapshot: Path | None = None,
    ) -> None:
        """``snapshot``: the served version's saved index (``shelfwise.search.snapshot``): the
        engine starts from it, plus the items written since, instead of indexing the catalog."""
        self._settings = settings
        self._snapshot = snapshot
        self._store = store
        self._ranker = ranker
        self._query_encoder = query_encoder
        self._progress = progress
        self._engine: SearchEngine | None = None
        self._cache: EmbeddingCache | None = None
        self._lock = threading.RLock()
        self._checked_at = 0.0
        self._counts = (-1, -1)
        self._counted_at = 0.0
        self._change_seq = 0  # the change log entry the merchant's rules were last read after

    # ----------------------------------------------------------------- the engine
    @property
    def built(self) -> bool:
        """The index is built: a search answers without indexing the catalog first."""
        return self._engine is not None

    def engine(self) -> SearchEngine:
        """The warm engine, refreshed if the catalog or the search log changed."""
        with self._lock:
            if self._engine is None:
                changes = self._store.changes_after(0)
                self._change_seq = changes[-1].seq if changes else 0
                self._engine, self._cache = build_engine(
                    self._settings,
                    self._store,
                    ranker=self._ranker,
                    progress=self._progress,
                    query_encoder=self._query_encoder,
                    snapshot=self._snapshot,
                )
                self._counts = (self._store.count_items(), self._store.count_events())
                self._checked_at = time.monotonic()
            else:
                self._maybe_refresh(self._engine)
            return self._engine

    def _maybe_refresh(self, engine: SearchEngine) -> None:
        self._follow_rules(engine)
        now = time.monotonic()
        if now - self._counted_at < min(COUNT_CHECK_SECONDS, self._settings.search.refresh_seconds):
            return  # the two COUNT(*)s cost milliseconds on a big event table: not every request
        self._counted_at = now
        counts = (self._store.count_items(), self._store.count_events())
        due = now - self._checked_at >= self._settings.search.refresh_seconds
        if counts != self._counts or due:
            self.refresh(engine)

    def refresh(self, engine: SearchEngine | None = None) -> int:
        """Index new/changed items and re-read the search log now; returns items (re)indexed."""
        with self._lock:
            engine = engine or self._engine
            if engine is None:
                self.engine()
                return 0
            counts = (self._store.count_items(), self._store.count_events())
            written = engine.index.upsert(list(self._store.iter_items()))
            if written or counts[1] != self._counts[1]:
                engine.behaviour = behaviour_of(self._store, engine.index)
                engine.popularity = popularity_of(self._store, engine.index)
            self._counts = counts
            self._checked_at = time.monotonic()
            return written

    def _follow_rules(self, engine: SearchEngine) -> None:
        """Reload the merchant's rules when the change log says they changed (one indexed read per
        request, so a rule added by another process applies to the very next search)."""
        changes = self._store.changes_after(self._change_seq)
        if not changes:
            return
        self._change_seq = changes[-1].seq
        if any(change.kind == RULES_CHANGE for change in changes):
            engine.rules = rules_of(self._store)

    def explain_query(self, query: str) -> dict[str, Any]:
        return self.engine().explain(query)

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    # ----------------------------------------------------------------- the list source
    def candidates(self, request: ListRequest, customer: CustomerProfile | None) -> Candidates:
        if not request.query or not request.query.strip():
            raise ConfigError("give a search query")
        engine = self.engine()
        profile = (
            build_profile(customer.customer_id, customer.recent, engine.index)
            if customer is not None
            else None
        )
        rules = self._settings.rules.for_placement("search")
        query_rules = engine.rules.for_query(request.query)
        buried = sum(rule.action == "bury" for rule in query_rules)
        # The default search rules filter nothing: fetch just k (plus what a bury pushes out).
        fetch = (
            request.k + buried + len(request.exclude) if rules == SearchRules() else request.fetch + buried
        )
        answer = engine.answer(request.query, profile, fetch)
        pool = [ScoredItem(s.item_id, round(float(s.score), 6), s.reasons) for s in answer.items]
        purchased = customer.purchased if customer is not None and rules.exclude_purchased else frozenset()
        catalog = _RowCatalog(engine.index.rows, engine.index.row_of)
        state = _State(list(answer.relaxed), query_rules, engine.index.row_of.__contains__)
        return Candidates(
            pool, rules, catalog, RuleContext(purchased=frozenset(purchased)), state, extra=buried
        )

    def explain(
        self,
        request: ListRequest,
        customer: CustomerProfile | None,
        chosen: list[ScoredItem],
        candidates: Candidates,
    ) -> list[ScoredItem]:
        # The engine wrote each result's reasons from its match features; the merchant's pin / bury /
        # redirect rules for this exact query come last.
        state: _State = candidates.state
        if not state.query_rules:
            return chosen
        ruled = apply_query_rules(state.query_rules, chosen, request.k, state.exists)
        state.redirect = ruled.redirect
        return list(ruled.items)


class _RowCatalog(Mapping[str, Item]):
    """The search index's items as the catalog mapping the rules read (no store round trip)."""

    def __init__(self, rows: Sequence[Row], row_of: Mapping[str, int]) -> None:
        self._rows = rows
        self._row_of = row_of

    def __getitem__(self, item_id: str) -> Item:
        return self._rows[self._row_of[item_id]].item

    def __iter__(self) -> Iterator[str]:
        return iter(self._row_of)

    def __len__(self) -> int:
        return len(self._row_of)
