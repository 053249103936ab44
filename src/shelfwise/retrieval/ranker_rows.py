"""The candidate ranker's training rows (candidates + features of users whose held-out item is
among them) and its LightGBM boosting, apart from the ranker so each stays readable."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from shelfwise.engine import Engine, map_combine
from shelfwise.lgbm import import_lightgbm
from shelfwise.retrieval.features import (
    ADAPTED_FEATURES,
    FEATURE_NAMES,
    NEURAL_FEATURES,
    CandidateConfig,
    ItemStatistics,
    build_candidates,
)

if TYPE_CHECKING:  # torch: imported by a model that has a SASRec
    from shelfwise.retrieval.sasrec import SASRecModel


@dataclass
class RowContext:
    """What every shard of training users shares: the fitted state candidate features read."""

    stats: ItemStatistics
    embeddings: np.ndarray | None
    candidates: CandidateConfig
    batch_size: int
    neural: SASRecModel | None
    adapted: np.ndarray | None
    # The neural model and the adapter trained on these targets, so their features would leak: they
    # are left missing (NaN), which LightGBM routes as unknown rather than as a weak score.
    neural_seen_targets: bool = False
    until: float = float("inf")  # time.time() after which no further batch is built


Rows = tuple[np.ndarray, np.ndarray, list[int], np.ndarray]  # features, labels, group sizes, found
Rows3 = tuple[np.ndarray, np.ndarray, list[int]]  # features, labels, group sizes


def candidate_rows(users: Sequence[tuple[np.ndarray, np.int64]], context: RowContext) -> Rows:
    """Feature rows of the users (history, target) whose target is among the candidates (the others
    carry no signal), and which users those were."""
    histories = [h for h, _ in users]
    targets = np.array([t for _, t in users], dtype=np.int64)
    features, labels, groups, found = [], [], [], np.zeros(len(histories), dtype=bool)
    for start in range(0, len(histories), context.batch_size):
        if time.time() > context.until:
            break
        part = histories[start : start + context.batch_size]
        neural = None
        if context.neural is not None and not context.neural_seen_targets:
            neural = context.neural.score(part)
        batch = build_candidates(
            context.stats, context.embeddings, part, context.candidates, neural, context.adapted
        )
        if context.neural_seen_targets:
            leaked = (NEURAL_FEATURES if context.neural is not None else ()) + (
                ADAPTED_FEATURES if context.adapted is not None else ()
            )
            for name in leaked:
                batch.features[:, :, FEATURE_NAMES.index(name)] = np.nan
        hits = batch.candidates == targets[start : start + len(part), None]
        for row in np.flatnonzero(hits.any(axis=1)):
            features.append(batch.features[row])
            labels.append(hits[row].astype(np.float32))
            groups.append(batch.candidates.shape[1])
        found[start : start + len(part)] = hits.any(axis=1)
    if not features:
        return np.zeros((0, len(FEATURE_NAMES)), np.float32), np.zeros(0, np.float32), [], found
    return np.concatenate(features), np.concatenate(labels), groups, found


def concatenate_rows(parts: list[Rows]) -> Rows:
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        [g for p in parts for g in p[2]],
        np.concatenate([p[3] for p in parts]),
    )


@dataclass(frozen=True)
class BoostLimits:
    max_rounds: int
    patience: int  # rounds without a better validation NDCG@10 before boosting stops
    deadline: float  # time.monotonic() after which no further round starts


def boost(
    params: dict[str, object], train: Rows3, valid: Rows3, limits: BoostLimits
) -> tuple[object, dict[str, dict[str, list[float]]]]:
    """(LightGBM booster, validation curves): lambdarank rounds until ``limits.patience`` rounds
    pass without a better validation score (the booster keeps its best round), the round limit or
    the deadline. Without validation groups only the last two apply."""
    lightgbm = import_lightgbm()

    def stop_at_deadline(env: lightgbm.callback.CallbackEnv) -> None:
        if time.monotonic() > limits.deadline:
            raise lightgbm.callback.EarlyStopException(env.iteration, env.evaluation_result_list)

    train_set = lightgbm.Dataset(train[0], train[1], group=train[2], feature_name=FEATURE_NAMES)
    evaluations: dict[str, dict[str, list[float]]] = {}
    callbacks = [stop_at_deadline, lightgbm.record_evaluation(evaluations)]
    valid_sets = []
    if valid[2]:
        valid_sets = [lightgbm.Dataset(valid[0], valid[1], group=valid[2], reference=train_set)]
        callbacks.append(lightgbm.early_stopping(limits.patience, verbose=False))
    booster = lightgbm.train(
        params, train_set, num_boost_round=limits.max_rounds, valid_sets=valid_sets, callbacks=callbacks
    )
    return booster, evaluations


def rows_on_engine(
    engine: Engine, context: RowContext, histories: list[np.ndarray], targets: np.ndarray
) -> Rows:
    """``candidate_rows`` per shard of users on ``engine``, in the users' order."""
    users = list(zip(histories, np.asarray(targets, dtype=np.int64), strict=True))
    return map_combine(engine, candidate_rows, users, context, concatenate_rows)


def rows_recent_first(
    engine: Engine,
    context: RowContext,
    histories: list[np.ndarray],
    targets: np.ndarray,
    recency: np.ndarray | None,
) -> Rows:
    """``rows_on_engine`` built from the most recent users first (larger ``recency`` first), so a
    deadline (``context.until``) leaves out the customers the shop saw longest ago; the groups
    come back in the users' own order, as if built in it."""
    if recency is None or not len(histories):
        return rows_on_engine(engine, context, histories, targets)
    order = np.argsort(-np.asarray(recency, dtype=np.float64), kind="stable")
    x, y, groups, found_in_order = rows_on_engine(
        engine, context, [histories[i] for i in order], np.asarray(targets)[order]
    )
    # Group k belongs to the k-th found user of ``order``: put the groups back in user order.
    owners = order[found_in_order]
    starts = np.concatenate([[0], np.cumsum(groups, dtype=np.int64)])
    back = np.argsort(owners, kind="stable")
    rows = [np.arange(starts[k], starts[k + 1]) for k in back]
    take = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    found = np.zeros(len(histories), dtype=bool)
    found[order] = found_in_order
    return x[take], y[take], [groups[k] for k in back], found
