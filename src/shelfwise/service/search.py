"""Use case: product search, optionally personalised, with an explanation of the parse.

One instance is meant to live as long as the process (the HTTP API holds one): the index is built
lazily on the first request and kept in memory; after that each request only checks whether the
catalog or the search log changed (a count query per request, a full diff every
``search.refresh_seconds``) and indexes just the new or changed items. New items are therefore
searchable at once, without ``shelfwise train``; training only adds the learned re-ranker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from shelfwise.domain import ENGAGEMENT_TYPES, Event, Item, ScoredItem
from shelfwise.encoders import EmbeddingCache, HashingEncoder, TextEncoder, choose_encoder, detect_language
from shelfwise.errors import ModelError, NotFoundError
from shelfwise.ranking.rules import RuleContext, apply_rules
from shelfwise.ranking.rules_settings import SearchRules
from shelfwise.search.behaviour import SEARCH_EVENT_TYPES, BehaviourStats, search_groups
from shelfwise.search.engine import SearchAnswer, SearchEngine
from shelfwise.search.index import Row, SearchIndex
from shelfwise.search.personal import Profile, build_profile
from shelfwise.search.ranker import SearchRanker
from shelfwise.search.rules import SearchRuleSet, apply_query_rules
from shelfwise.service.context import ServiceContext
from shelfwise.storage.base import RULES_CHANGE
from shelfwise.training.artifacts import latest_good
from shelfwise.training.data import customer_of_users

SEARCH_DIR = "search"
# At most one change check (two COUNT(*) queries) per this many seconds (or per
# ``search.refresh_seconds`` when that is shorter: 0 checks on every request).
COUNT_CHECK_SECONDS = 1.0


def search_encoder(ctx: ServiceContext, texts: list[str]) -> TextEncoder | None:
    """The encoder named by ``search.encoder``; "auto" follows the catalog's language."""
    name = ctx.settings.search.encoder
    if name == "none":
        return None
    if name == "fake":
        return HashingEncoder()
    language = {"minilm": "en", "use": "multi"}.get(name) or detect_language(texts[:5000])
    return choose_encoder(language, ctx.settings.encoders)  # type: ignore[arg-type]


def build_behaviour(ctx: ServiceContext, index: SearchIndex) -> BehaviourStats:
    events = (s.event for s in ctx.store.iter_events(types=SEARCH_EVENT_TYPES))
    return BehaviourStats.build(
        search_groups(e for e in events if e.query),
        index.row_of,
        lambda q: index.lexical.word_terms(engine_tokens(q, index)),
        lambda row: index.rows[row].leaf,
    )


def engine_tokens(query: str, index: SearchIndex) -> list[str]:
    """Query tokens after the same parse search uses (spelling fixed, price phrase removed)."""
    from shelfwise.search.query import parse_query

    return list(parse_query(query, index.lexicon).tokens)


def load_rules(ctx: ServiceContext) -> SearchRuleSet:
    """The merchant's synonyms and query rules as stored."""
    return SearchRuleSet.from_records((r.kind, r.body) for r in ctx.store.search_rules())


def build_popularity(ctx: ServiceContext, index: SearchIndex) -> np.ndarray:
    counts = np.zeros(len(index), dtype=np.float32)
    for stored in ctx.store.iter_events(types=ENGAGEMENT_TYPES):
        row = index.row_of.get(stored.event.item_id or "")
        if row is not None:
            counts[row] += 1
    return counts


class SearchService:
    def __init__(self, ctx: ServiceContext, version: str | None = None, progress: bool = False) -> None:
        self._ctx = ctx
        self._version = version
        self._progress = progress
        self._engine: SearchEngine | None = None
        self._cache: EmbeddingCache | None = None
        self._lock = threading.RLock()
        self._checked_at = 0.0
        self._counts = (-1, -1)
        self._counted_at = 0.0
        self._customer_of: dict[str, str] | None = None
        self._change_seq = 0  # the change log entry the rules were last read after

    # ----------------------------------------------------------------- state
    def _ranker(self) -> SearchRanker | None:
        root = self._ctx.settings.artifacts_dir
        directory = root / self._version if self._version else latest_good(root)
        if directory is None:
            return None
        if not directory.is_dir():
            raise ModelError(f"no model version {self._version!r} under {root}")
        return SearchRanker.load(directory / SEARCH_DIR)

    def engine(self) -> SearchEngine:
        """The warm engine, refreshed if the catalog or the search log changed."""
        with self._lock:
            if self._engine is None:
                self._engine = self._build()
            else:
                self._maybe_refresh(self._engine)
            return self._engine

    def _build(self) -> SearchEngine:
        store, settings = self._ctx.store, self._ctx.settings
        items = list(store.iter_items())
        encoder = search_encoder(self._ctx, [it.title for it in items])
        self._cache = (
            EmbeddingCache(encoder, settings.encoders.resolved_embedding_cache_dir()) if encoder else None
        )
        index = SearchIndex(encoder, self._cache, settings.threads)
        index.upsert(items, progress=self._progress)
        changes = store.changes_after(0)
        self._change_seq = changes[-1].seq if changes else 0
        engine = SearchEngine(
            index=index,
            behaviour=build_behaviour(self._ctx, index),
            popularity=build_popularity(self._ctx, index),
            ranker=self._ranker(),
            candidates_per_source=settings.search.candidates_per_source,
            personalization_weight=settings.search.personalization_weight,
            rules=load_rules(self._ctx),
        )
        self._counts = (store.count_items(), store.count_events())
        self._checked_at = time.monotonic()
        return engine

    def _maybe_refresh(self, engine: SearchEngine) -> None:
        self._follow_rules(engine)
        now = time.monotonic()
        if now - self._counted_at < min(COUNT_CHECK_SECONDS, self._ctx.settings.search.refresh_seconds):
            return  # the two COUNT(*)s cost milliseconds on a big event table: not every request
        self._counted_at = now
        store = self._ctx.store
        counts = (store.count_items(), store.count_events())
        due = time.monotonic() - self._checked_at >= self._ctx.settings.search.refresh_seconds
        if counts == self._counts and not due:
            return
        self.refresh(engine)

    def refresh(self, engine: SearchEngine | None = None) -> int:
        """Index new/changed items and re-read the search log now; returns items (re)indexed."""
        with self._lock:
            engine = engine or self._engine
            if engine is None:
                self.engine()
                return 0
            store = self._ctx.store
            counts = (store.count_items(), store.count_events())
            written = engine.index.upsert(list(store.iter_items()))
            if written or counts[1] != self._counts[1]:
                engine.behaviour = build_behaviour(self._ctx, engine.index)
                engine.popularity = build_popularity(self._ctx, engine.index)
                self._customer_of = None
            self._counts = counts
            self._checked_at = time.monotonic()
            return written

    def _follow_rules(self, engine: SearchEngine) -> None:
        """Reload the merchant's rules when the change log says they changed (one indexed read per
        request, so a rule added by another process applies to the very next search)."""
        changes = self._ctx.store.changes_after(self._change_seq)
        if not changes:
            return
        self._change_seq = changes[-1].seq
        if any(change.kind == RULES_CHANGE for change in changes):
            engine.rules = load_rules(self._ctx)

    # ----------------------------------------------------------------- profiles
    def profile(self, user_id: str) -> Profile:
        """The customer's profile across all their accounts; unknown ids raise NotFoundError."""
        customer, events = self._engagements(user_id)
        return build_profile(customer, events, self.engine().index)

    def _engagements(self, user_id: str) -> tuple[str, list[Event]]:
        """(customer id, engagement events of all the customer's accounts); unknown ids raise."""
        if self._customer_of is None:
            self._customer_of = customer_of_users(self._ctx.store)
        customer = self._customer_of.get(user_id)
        if customer is None:
            # Not a user id: a customer id names all its accounts; else events may still carry it.
            members = [u for u, c in self._customer_of.items() if c == user_id] or [user_id]
            customer = user_id
        else:
            members = [u for u, c in self._customer_of.items() if c == customer]
        events = [s.event for s in self._ctx.store.iter_events(types=ENGAGEMENT_TYPES, user_ids=members)]
        if not events and user_id not in self._customer_of and members == [user_id]:
            raise NotFoundError(f"unknown user or customer {user_id!r}")
        return customer, events

    # ----------------------------------------------------------------- use cases
    def search(self, query: str, user_id: str | None = None, k: int = 10) -> list[ScoredItem]:
        return self.answer(query, user_id, k).items

    def answer(self, query: str, user_id: str | None = None, k: int = 10) -> SearchAnswer:
        """Top ``k`` after the "search" placement's business rules (``settings.rules.search``),
        over-fetched so that the shop's filters and caps still leave ``k`` results, then the
        merchant's pin / bury / redirect rules for this query; with the relaxation steps taken."""
        engine = self.engine()
        customer, events = self._engagements(user_id) if user_id else (None, [])
        profile = build_profile(customer, events, engine.index) if customer is not None else None
        rules = self._ctx.settings.rules.for_placement("search")
        query_rules = engine.rules.for_query(query)
        buried = sum(rule.action == "bury" for rule in query_rules)
        if rules == SearchRules():  # the defaults filter nothing: skip the over-fetch
            answer = engine.answer(query, profile, k + buried)
        else:
            answer = engine.answer(query, profile, max(5 * k, 50))
            catalog = _RowCatalog(engine.index.rows, engine.index.row_of)
            purchased = (
                frozenset(e.item_id for e in events if e.type == "purchase" and e.item_id)
                if rules.exclude_purchased
                else frozenset()
            )
            answer.items = apply_rules(
                answer.items, catalog, rules, k + buried, RuleContext(purchased=purchased)
            )
        if query_rules:
            ruled = apply_query_rules(query_rules, answer.items, k, engine.index.row_of.__contains__)
            answer.items, answer.redirect = ruled.items, ruled.redirect
        answer.items = answer.items[:k]
        return answer

    def explain(self, query: str) -> dict[str, Any]:
        return self.engine().explain(query)

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()


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
