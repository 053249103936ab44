"""Learning search ranking from the search log (part of ``shelfwise train``).

1. The log is grouped into searches: (session or user, query) → items with their best grade
   (impression 0, click 1, add to cart 2, purchase 3).
2. Each search is replayed through the serving pipeline (same parse, retrieval and feature code),
   its logged items added to the candidates. Behaviour features of a search come from the *other*
   folds of the log (5 folds by search), so no row carries its own label.
3. Rows: the whole candidate list of the search: logged items graded purchase > cart > click >
   shown, candidates never shown as weak negatives below them.
4. LightGBM lambdarank (1 thread), early-stopped on 10% of the searches; validation NDCG@10 of the
   learned ranker and of the unlearned fusion are reported in the manifest.

Before replaying, the query encoder is fine-tuned on the log (``query_tuning_job``); the replay
then computes the semantic features with it, as serving will.

No search log (or nothing learnable in it): nothing is written and search keeps the fusion.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from shelfwise.domain import Event, is_engagement
from shelfwise.lgbm import import_lightgbm
from shelfwise.search.behaviour import (
    BehaviourStats,
    SearchGroup,
    query_key,
    search_groups,
)
from shelfwise.search.engine import SearchEngine
from shelfwise.search.factory import QUERY_ENCODER_DIR, build_engine, search_log
from shelfwise.search.features import FEATURE_NAMES
from shelfwise.search.ranker import SearchRanker
from shelfwise.settings import Settings
from shelfwise.storage.base import Store
from shelfwise.training.query_tuning_job import tune_query_encoder

FOLDS = 5
COLLECT_SHARE = 0.7  # of the time left: replaying the log; the rest is for boosting
MAX_ROWS_PER_SEARCH = 600
MIN_GROUPS = 4
# Searches replayed at most: a sample of a larger log, spread over every fold (the deadline alone
# would keep the first folds whole and drop the last). ~30 searches/s on one core: ~6 minutes.
MAX_REPLAYED_SEARCHES = 10_000


@dataclass(frozen=True)
class SearchTrainConfig:
    num_leaves: int = 31
    learning_rate: float = 0.05
    max_rounds: int = 500
    early_stopping_rounds: int = 40
    min_data_in_leaf: int = 20
    validation_share: float = 0.1


def _bucket(text: str, buckets: int) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "little") % buckets


@dataclass
class _Rows:
    features: list[np.ndarray]
    labels: list[np.ndarray]
    fused: list[np.ndarray]


def _group_rows(
    engine: SearchEngine, group: SearchGroup, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    index = engine.index
    logged = {index.row_of[i]: g for i, g in group.grades.items() if i in index.row_of}
    if not logged:
        return None
    query = engine.parse(group.query)
    candidates = engine.candidates(query, extra_rows=np.fromiter(logged, dtype=np.int64))
    in_log = np.fromiter((int(r) in logged for r in candidates.rows), dtype=bool, count=len(candidates.rows))
    # Every candidate nobody was shown is a weak negative (label 0); shown-but-not-clicked items
    # rank above them (the engine that showed them found them relevant) and below clicked ones.
    # Learning on the whole candidate list is what serving faces: trained on the logged items
    # alone (or on a sample of negatives) the ranker lost to the unlearned fusion on Home Depot;
    # on full lists it won (docs/search.md).
    keep = np.ones(len(candidates.rows), dtype=bool)
    if len(keep) > MAX_ROWS_PER_SEARCH:
        order = np.argsort(-candidates.fused, kind="stable")
        keep[:] = False
        keep[order[:MAX_ROWS_PER_SEARCH]] = True
        keep |= in_log
    shift = 1 if group.impressed else 0
    subset = candidates.subset(keep)
    labels = np.fromiter(
        (logged[int(r)] + shift if int(r) in logged else 0 for r in subset.rows),
        dtype=np.float32,
        count=len(subset.rows),
    )
    if len(labels) < 2 or labels.min() == labels.max():
        return None  # nothing to order
    features = engine.features(query, subset)
    return features, labels, subset.fused


def sample_groups(groups: Sequence[SearchGroup], limit: int = MAX_REPLAYED_SEARCHES) -> list[SearchGroup]:
    """At most ``limit`` searches, chosen by a hash of their id (the same log gives the same
    sample), in their original order."""
    if len(groups) <= limit:
        return list(groups)
    keys = np.array([_bucket("sample" + g.group_id, 2**31) for g in groups], dtype=np.int64)
    chosen = np.sort(np.argsort(keys, kind="stable")[:limit])
    return [groups[i] for i in chosen]


def _fold_popularity(events: Sequence[Event], row_of: dict[str, int], n_rows: int) -> np.ndarray:
    """Engagement counts per fold from the search log itself: popularity counts every engagement,
    so a search's own clicks must be taken out of the popularity its rows see."""
    counts = np.zeros((FOLDS, n_rows), dtype=np.float32)
    for event in events:
        row = row_of.get(event.item_id or "")
        if row is None or not is_engagement(event) or not event.query:
            continue
        group_id = f"{event.session_id or event.user_id}\x1f{query_key(event.query)}"
        counts[_bucket(group_id, FOLDS), row] += 1
    return counts


def _collect(
    engine: SearchEngine,
    groups: Sequence[SearchGroup],
    events: Sequence[Event],
    seed: int,
    progress: bool,
    until: float = math.inf,
    replayed: Sequence[SearchGroup] | None = None,
) -> tuple[_Rows, _Rows]:
    """Feature rows of every logged search (or of ``replayed``, a sample of ``groups``), fold by
    fold (``until``: a ``time.monotonic()`` after which no further search is replayed; the rows of
    the folds done so far are kept). Behaviour always comes from all of ``groups``."""
    from tqdm.auto import tqdm

    index = engine.index
    fold_popularity = _fold_popularity(events, index.row_of, len(engine.popularity))
    rng = np.random.default_rng(seed)
    folds = [_bucket(g.group_id, FOLDS) for g in groups]
    replayed = groups if replayed is None else replayed
    replayed_folds = [_bucket(g.group_id, FOLDS) for g in replayed]
    train, valid = _Rows([], [], []), _Rows([], [], [])
    with tqdm(total=len(replayed), desc="search log", unit="search", disable=not progress) as bar:
        for fold in range(FOLDS):
            others = [g for g, f in zip(groups, folds, strict=True) if f != fold]
            # The fold's engine sees behaviour and popularity from the other folds only.
            fold_engine = replace(
                engine,
                popularity=np.maximum(engine.popularity - fold_popularity[fold], 0.0),
                behaviour=BehaviourStats.build(
                    others,
                    index.row_of,
                    lambda q: index.lexical.word_terms(engine.parse(q).tokens),
                    lambda row: index.rows[row].leaf,
                ),
            )
            for group, group_fold in zip(replayed, replayed_folds, strict=True):
                if group_fold != fold:
                    continue
                if time.monotonic() > until:
                    return train, valid
                bar.update(1)
                rows = _group_rows(fold_engine, group, rng)
                if rows is None:
                    continue
                target = valid if _bucket("valid" + group.group_id, 1000) < 100 else train
                target.features.append(rows[0])
                target.labels.append(rows[1])
                target.fused.append(rows[2])
    return train, valid


def ndcg_at(scores: Sequence[np.ndarray], labels: Sequence[np.ndarray], k: int = 10) -> float:
    values = []
    for score, label in zip(scores, labels, strict=True):
        order = np.argsort(-score, kind="stable")[:k]
        gains = (2.0 ** label[order] - 1) / np.log2(np.arange(2, len(order) + 2))
        ideal_order = np.sort(label)[::-1][:k]
        ideal = ((2.0**ideal_order - 1) / np.log2(np.arange(2, len(ideal_order) + 2))).sum()
        if ideal > 0:
            values.append(gains.sum() / ideal)
    return float(np.mean(values)) if values else math.nan


def fit_search(
    settings: Settings,
    store: Store,
    directory: Path,
    seed: int = 0,
    progress: bool = True,
    config: SearchTrainConfig | None = None,
    deadline: float = math.inf,
) -> dict[str, float]:
    """Train the search re-ranker into ``directory``; returns metrics ({} when skipped).

    ``deadline`` (a ``time.monotonic()``): replaying the log stops at COLLECT_SHARE of the time left
    and boosting at the deadline, so ``shelfwise train`` keeps to ``--max-minutes``."""
    config = config or SearchTrainConfig()
    events = list(search_log(store))
    groups = search_groups(events)
    if len(groups) < MIN_GROUPS:
        return {}
    engine, cache = build_engine(settings, store, progress=progress)  # no ranker: learn on the fusion
    try:
        # The query encoder is fine-tuned first, so the ranker learns on the cosines it will serve.
        tune_until = time.monotonic() + settings.search.tune_share * max(deadline - time.monotonic(), 0.0)
        tuned, metrics = tune_query_encoder(
            settings, engine, groups, directory / QUERY_ENCODER_DIR, seed, tune_until
        )
        if tuned is not None:
            engine.index.use_query_encoder(tuned)
        until = time.monotonic() + COLLECT_SHARE * max(deadline - time.monotonic(), 0.0)
        # Behaviour and popularity still come from the whole log; only the replay is a sample.
        train, valid = _collect(engine, groups, events, seed, progress, until, sample_groups(groups))
    finally:
        if cache is not None:
            cache.close()
    if len(train.labels) < MIN_GROUPS:
        return metrics
    if not valid.labels:  # tiny logs: validate on the training searches rather than not at all
        valid = train
    lightgbm = import_lightgbm()

    def dataset(rows: _Rows) -> lightgbm.Dataset:
        return lightgbm.Dataset(
            np.concatenate(rows.features),
            np.concatenate(rows.labels),
            group=[len(x) for x in rows.labels],
            feature_name=list(FEATURE_NAMES),
            free_raw_data=False,
        )

    params = {
        "objective": "lambdarank",
        "metric": "ndcg",
        "eval_at": [10],
        "num_leaves": config.num_leaves,
        "learning_rate": config.learning_rate,
        "min_data_in_leaf": min(config.min_data_in_leaf, max(1, sum(len(x) for x in train.labels) // 4)),
        "num_threads": 1,
        "seed": seed,
        "verbosity": -1,
        "deterministic": True,
        "force_row_wise": True,
        "label_gain": [0, 1, 3, 7, 15],
    }
    train_set = dataset(train)
    valid_set = dataset(valid) if valid is not train else train_set

    def stop_at_deadline(env: lightgbm.callback.CallbackEnv) -> None:
        if time.monotonic() > deadline:
            raise lightgbm.callback.EarlyStopException(env.iteration, env.evaluation_result_list)

    booster = lightgbm.train(
        params,
        train_set,
        num_boost_round=config.max_rounds,
        valid_sets=[valid_set],
        callbacks=[lightgbm.early_stopping(config.early_stopping_rounds, verbose=False), stop_at_deadline],
    )
    ranker = SearchRanker(booster, {})
    learned = ndcg_at([ranker.score(f) for f in valid.features], valid.labels)
    fused = ndcg_at(valid.fused, valid.labels)
    ranker_metrics = {
        "search_ndcg@10": learned,
        "search_fusion_ndcg@10": fused,
        "search_groups": float(len(train.labels) + (len(valid.labels) if valid is not train else 0)),
    }
    ranker.metrics = ranker_metrics
    ranker.save(directory)
    return metrics | ranker_metrics
