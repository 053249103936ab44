"""Build a search engine from the store: the one factory serving and training both use.

``build_engine`` indexes the catalog (lexical + dense), reads the search log into behaviour
statistics and counts engagement popularity. ``refresh_log`` re-reads the last two after new
events. The learned ranker, when a model version has one, is passed in by the caller.

``write_snapshot`` (called by ``shelfwise train``) saves the index into the model version;
``build_engine(snapshot=...)`` starts from it when it still matches the store (same encoder
choice, no item gone) and indexes on top the items written since it was taken, so a snapshot
never serves a stale catalog. Anything else falls back to indexing the whole catalog.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from shelfwise.domain import ENGAGEMENT_TYPES, Event, EventType, Item
from shelfwise.encoders import EmbeddingCache, TextEncoder, encoder_for_catalog, encoder_of_version
from shelfwise.encoders.query_tuning import TunedQueryEncoder
from shelfwise.errors import ConfigError
from shelfwise.history import customer_of_users
from shelfwise.search.behaviour import SEARCH_EVENT_TYPES, BehaviourStats, search_groups, without_returned
from shelfwise.search.engine import SearchEngine
from shelfwise.search.index import SearchIndex
from shelfwise.search.query import parse_query
from shelfwise.search.ranker import SearchRanker
from shelfwise.search.rules import SearchRuleSet
from shelfwise.search.snapshot import (
    LogMark,
    SnapshotMeta,
    lexical_dir,
    load_behaviour,
    load_index,
    read_meta,
    save_behaviour,
    save_index,
)
from shelfwise.settings import Settings
from shelfwise.storage.base import Store

RETURN = EventType.RETURN.value

SEARCH_DIR = "search"  # the learned ranker's folder inside a model version
# A writer stamps an item's row before it waits for the write lock, so a row committed after the
# snapshot was taken may carry a stamp up to this much older (as in ServingEngine.sync).
ITEM_CLOCK_SLACK = 5.0
QUERY_ENCODER_DIR = "query_encoder"  # the fine-tuned query encoder's, inside SEARCH_DIR
BEHAVIOUR_TAIL_MAX = 100_000  # newer events checked at most before the saved statistics are dropped

log = logging.getLogger(__name__)


def search_encoder(settings: Settings, titles: list[str]) -> TextEncoder | None:
    """The encoder named by ``search.encoder`` ("none" turns semantic retrieval off)."""
    choice = settings.search.encoder
    if choice == "none":
        return None
    return encoder_for_catalog(choice, titles, settings.encoders)


def load_ranker(version_dir: Path | None, without_lightgbm: bool = False) -> SearchRanker | None:
    """The learned re-ranker of a model version (None: no version, or no search log at training)."""
    return None if version_dir is None else SearchRanker.load(version_dir / SEARCH_DIR, without_lightgbm)


def load_query_encoder(version_dir: Path | None, threads: int = 1) -> TunedQueryEncoder | None:
    """The query encoder a model version fine-tuned on its search log (None: none was trained)."""
    if version_dir is None:
        return None
    return TunedQueryEncoder.load(version_dir / SEARCH_DIR / QUERY_ENCODER_DIR, threads)


def _matching(query_encoder: TunedQueryEncoder | None, encoder: TextEncoder | None) -> TextEncoder | None:
    """``query_encoder`` if it was tuned against the vectors ``encoder`` gives items, else None: a
    query vector is only comparable with item vectors of the model it was trained against."""
    if query_encoder is None or encoder is None:
        return None
    if query_encoder.items_encoder != encoder.name or query_encoder.dim != encoder.dim:
        log.warning(
            "ignoring the fine-tuned query encoder %s: it was tuned for %s, search encodes items with %s",
            query_encoder.name,
            query_encoder.items_encoder,
            encoder.name,
        )
        return None
    return query_encoder


def rules_of(store: Store) -> SearchRuleSet:
    """The merchant's synonyms and query rules as stored (training and serving read the same)."""
    return SearchRuleSet.from_records((r.kind, r.body) for r in store.search_rules())


def engine_tokens(query: str, index: SearchIndex) -> list[str]:
    """Query tokens after the same parse search uses (spelling fixed, price phrase removed)."""
    return list(parse_query(query, index.lexicon).tokens)


def search_log(store: Store) -> Iterable[Event]:
    """Events carrying a query, in time order, without the purchases a later return took back."""
    # Only events carrying a query form the search log (search_groups skips the rest): filtered in
    # the store, not by decoding every engagement of the shop.
    events = (s.event for s in store.iter_events(types=SEARCH_EVENT_TYPES, with_query=True) if s.event.query)
    returns = [s.event for s in store.iter_events(types=(RETURN,))]
    return without_returned(events, returns, customer_of_users(store)) if returns else events


def behaviour_of(store: Store, index: SearchIndex) -> BehaviourStats:
    return BehaviourStats.build(
        search_groups(search_log(store)),
        index.row_of,
        lambda q: index.lexical.word_terms(engine_tokens(q, index)),
        lambda row: index.rows[row].leaf,
    )


def popularity_of(store: Store, index: SearchIndex) -> np.ndarray:
    counts = np.zeros(len(index), dtype=np.float32)
    for item_id, n in store.event_counts_by_item(ENGAGEMENT_TYPES).items():  # counted by the store
        row = index.row_of.get(item_id)
        if row is not None:
            counts[row] = n
    for item_id, n in store.event_counts_by_item((RETURN,)).items():  # each return takes a purchase back
        row = index.row_of.get(item_id)
        if row is not None:
            counts[row] = max(counts[row] - n, 0.0)
    return counts


def build_engine(
    settings: Settings,
    store: Store,
    items: Iterable[Item] | None = None,
    ranker: SearchRanker | None = None,
    cache: EmbeddingCache | None = None,
    progress: bool = False,
    query_encoder: TunedQueryEncoder | None = None,
    snapshot: Path | None = None,
) -> tuple[SearchEngine, EmbeddingCache | None]:
    """A warm engine over the store's catalog (or ``items``) and search log, and the embedding
    cache it encodes new items through (the caller closes it). ``query_encoder``: the served
    version's fine-tuned query encoder, used when it matches the item encoder. ``snapshot``: a
    model version's saved index, used when it matches the store (see the module docstring)."""
    index, behaviour, popularity = None, None, None
    if snapshot is not None and items is None:
        index, cache, unchanged = _from_snapshot(settings, store, snapshot, cache, query_encoder)
        saved = saved_statistics(store, snapshot) if unchanged else None  # the rows they were of
        if saved is not None:
            behaviour, popularity = saved
    if index is None:
        items = list(store.iter_items() if items is None else items)
        encoder = search_encoder(settings, [item.title for item in items])
        if cache is None and encoder is not None:
            cache = EmbeddingCache(encoder, settings.encoders.resolved_embedding_cache_dir())
        index = SearchIndex(
            encoder, cache, settings.threads, _matching(query_encoder, encoder), settings.search.ann_min_items
        )
        index.upsert(items, progress=progress)
    engine = SearchEngine(
        index=index,
        behaviour=behaviour if behaviour is not None else behaviour_of(store, index),
        popularity=popularity
        if popularity is not None and len(popularity) == len(index)
        else popularity_of(store, index),
        ranker=ranker,
        candidates_per_source=settings.search.candidates_per_source,
        ranker_candidates=settings.search.ranker_candidates,
        personalization_weight=settings.search.personalization_weight,
        rules=rules_of(store),
    )
    return engine, cache


def _snapshot_encoder(settings: Settings, meta: SnapshotMeta) -> TextEncoder | None:
    """The item encoder the snapshot's vectors came from (ConfigError: not available here)."""
    if meta.encoder is None:
        return None
    encoder = encoder_of_version(meta.encoder, settings.encoders)
    if encoder.name != meta.encoder or encoder.dim != meta.dim:
        raise ConfigError(f"the snapshot was encoded with {meta.encoder}, this process has {encoder.name}")
    return encoder


def _from_snapshot(
    settings: Settings,
    store: Store,
    directory: Path,
    cache: EmbeddingCache | None,
    query_encoder: TunedQueryEncoder | None,
) -> tuple[SearchIndex | None, EmbeddingCache | None, bool]:
    """The saved index brought up to date with the store (None when it cannot be), and whether
    it needed no update (no item written since it was taken)."""
    meta = read_meta(directory)
    if meta is None:
        return None, cache, False
    if meta.encoder_choice != settings.search.encoder:
        log.info(
            "search snapshot ignored: taken with encoder %s, settings say %s",
            meta.encoder_choice,
            settings.search.encoder,
        )
        return None, cache, False
    try:
        encoder = _snapshot_encoder(settings, meta)
    except ConfigError as exc:
        log.warning("search snapshot ignored: %s", exc)
        return None, cache, False
    # Read before loading: every item written since the snapshot (new or edited) is indexed on top.
    since = [item for _, item in store.items_updated_since(meta.taken_at - ITEM_CLOCK_SLACK)]
    if cache is None and encoder is not None:
        cache = EmbeddingCache(encoder, settings.encoders.resolved_embedding_cache_dir())
    try:
        index = load_index(
            directory,
            meta,
            encoder,
            cache,
            settings.threads,
            _matching(query_encoder, encoder),
            settings.search.ann_min_items,
        )
    except Exception:  # a damaged file or rows pickled by other code: index the catalog instead
        log.exception("search snapshot %s unreadable: indexing the catalog", directory)
        return None, cache, False
    added = len({item.item_id for item in since if item.item_id not in index.row_of})
    if store.count_items() != len(index) + added:  # items gone, or another shop's store
        log.warning("search snapshot ignored: it does not match the store's catalog")
        return None, cache, False
    written = index.upsert(since)  # only new or changed items are written (fingerprints)
    return index, cache, written == 0


def saved_behaviour(store: Store, directory: Path) -> BehaviourStats | None:
    saved = saved_statistics(store, directory)
    return None if saved is None else saved[0]


def saved_statistics(store: Store, directory: Path) -> tuple[BehaviourStats, np.ndarray | None] | None:
    """The snapshot's behaviour statistics when the search log is as it was then: no event with a
    query nor a return after its mark, no event deleted, no forget or identity change (customers
    pair returns with purchases). None: read the log again. With them the saved popularity, when
    no event at all came after the mark: it was counted after the mark was taken, so it may hold
    events newer than the mark, but then those events are there now and it is not reused."""
    saved = load_behaviour(directory)
    if saved is None:
        return None
    mark, stats, popularity = saved
    if any(change.kind in ("forget", "identity") for change in store.changes_after(mark.change_seq)):
        return None
    after, newer = mark.event_seq, 0
    while batch := store.events_after(after, 10_000):
        if any(
            s.event.type == RETURN or (s.event.query and s.event.type in SEARCH_EVENT_TYPES) for s in batch
        ):
            return None
        newer += len(batch)
        if newer > BEHAVIOUR_TAIL_MAX:  # reading further costs more than reading the log
            return None
        after = batch[-1].seq
    if store.count_events() - newer != mark.stored_events:
        return None
    return stats, popularity if newer == 0 else None


def write_snapshot(
    settings: Settings, store: Store, directory: Path, progress: bool = False, mark: LogMark | None = None
) -> SnapshotMeta:
    """Index the store's catalog into ``directory`` (a model version's ``SNAPSHOT_DIR``), with the
    search log's behaviour statistics when ``mark`` says up to where the event log was read before."""
    taken_at = time.time()  # before reading: an item written meanwhile is re-indexed at load
    items = list(store.iter_items())
    encoder = search_encoder(settings, [item.title for item in items])
    cache = EmbeddingCache(encoder, settings.encoders.resolved_embedding_cache_dir()) if encoder else None
    try:
        index = SearchIndex(
            encoder,
            cache,
            settings.threads,
            ann_min_items=settings.search.ann_min_items,
            lexical_dir=lexical_dir(directory),
        )
        index.upsert(items, progress=progress)
        meta = save_index(index, directory, settings.search.encoder, taken_at)
        if mark is not None:
            save_behaviour(directory, behaviour_of(store, index), mark, popularity_of(store, index))
        return meta
    finally:
        if cache is not None:
            cache.close()
