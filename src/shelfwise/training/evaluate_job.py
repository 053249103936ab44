"""Offline evaluation of the next-item model on the store's own data, fitting exactly what
``shelfwise train`` fits (same histories, same texts and encoder, same trending, same model code).

A fresh model is fitted on the part of the data the protocol allows (never the deployed version,
which has seen the test items), then scored with the pure metrics of ``shelfwise.evaluation``:
- ``loo``: each customer's last item is the test target, the one before it validation (the model
  trains on everything up to the test target, and may use the validation item for early stopping);
- ``temporal``: history steps before a time cutoff train, each customer's first step after it is
  the target.
Both protocols start from ``build_histories`` (the serving representation: all accounts and
channels of a customer, consecutive repeats collapsed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from shelfwise.errors import ModelError
from shelfwise.evaluation import (
    EvalCases,
    EvaluationReport,
    Events,
    LeaveOneOutSplit,
    evaluate_scores,
    leave_one_out,
    temporal_split,
)
from shelfwise.history import (
    HISTORY_TYPES,
    CustomerHistory,
    build_histories,
    build_item_index,
    customer_of_users,
)
from shelfwise.history.histories import trending_from
from shelfwise.retrieval.registry import DEFAULT_MODEL
from shelfwise.settings import Settings
from shelfwise.storage.base import Store
from shelfwise.training.nextitem import NextItemFit, catalog_texts, embed_catalog, fit_next_item

Protocol = Literal["loo", "temporal"]


@dataclass(frozen=True)
class EvaluateOptions:
    protocol: Protocol = "loo"
    model: str = DEFAULT_MODEL
    k_values: tuple[int, ...] = (5, 10, 20)
    temporal_fraction: float = 0.8  # share of history steps (by time) used for training
    seed: int = 0
    max_minutes: float = 20.0
    encoder: str | None = None
    progress: bool = True


@dataclass(frozen=True)
class _Plan:
    fit_sequences: list[np.ndarray]
    trending: np.ndarray
    cases: EvalCases


def _loo(histories: list[CustomerHistory], n_items: int) -> _Plan:
    split = leave_one_out(
        [h.items for h in histories], [[c or "unknown" for c in h.channels] for h in histories]
    )
    fit = list(split.train)
    evaluated = set(split.evaluated_users.tolist())
    items: list[int] = []
    times: list[float] = []
    for user, history in enumerate(histories):
        kept = len(history.items) - (1 if user in evaluated else 0)
        items.extend(history.items[:kept])
        times.extend(history.times[:kept])
    for user, valid in zip(split.evaluated_users, split.valid_targets, strict=True):
        fit[user] = np.append(split.train[user], valid).astype(np.int32)  # all but the test item
    return _Plan(fit, trending_from(items, times, n_items), split.test_cases())


def _temporal(histories: list[CustomerHistory], n_items: int, fraction: float) -> _Plan:
    rows = [
        (user, item, time, channel or "unknown")
        for user, h in enumerate(histories)
        for item, time, channel in zip(h.items, h.times, h.channels, strict=True)
    ]
    if not rows:
        raise ModelError("nothing to evaluate: ingest events first")
    u, i, t, c = zip(*rows, strict=True)
    events = Events(np.array(u), np.array(i), np.array(t, dtype=float), np.array(c))
    split = temporal_split(events, fraction=fraction)
    train = split.train
    trending = trending_from(np.asarray(train.items).tolist(), np.asarray(train.timestamps).tolist(), n_items)
    return _Plan(split.train_histories(len(histories)), trending, split.cases("first", len(histories)))


def evaluate_next_item(settings: Settings, store: Store, options: EvaluateOptions) -> EvaluationReport:
    events = [s.event for s in store.iter_events(types=HISTORY_TYPES)]
    items = list(store.iter_items())
    index = build_item_index(items, events)
    histories = list(build_histories(events, index, customer_of_users(store)).values())
    plan = (
        _loo(histories, len(index))
        if options.protocol == "loo"
        else _temporal(histories, len(index), options.temporal_fraction)
    )
    if len(plan.cases) == 0:
        raise ModelError("no customer has enough history to evaluate (leave-one-out needs 3+ items)")
    embeddings, _ = embed_catalog(settings, catalog_texts(items, index), options.encoder, options.progress)
    fit = NextItemFit(options.model, options.seed, options.max_minutes, options.progress)
    model, _ = fit_next_item(settings, fit, len(index), plan.fit_sequences, embeddings, plan.trending)
    fitted = [s for s in plan.fit_sequences if len(s)]
    popularity = np.bincount(np.concatenate(fitted), minlength=len(index)) if fitted else None
    return evaluate_scores(
        model.score,
        plan.cases,
        k_values=options.k_values,
        item_popularity=popularity,
        model_name=options.model,
        split_name=options.protocol,
        item_embeddings=embeddings,
    )


__all__ = ["EvaluateOptions", "LeaveOneOutSplit", "Protocol", "evaluate_next_item"]
