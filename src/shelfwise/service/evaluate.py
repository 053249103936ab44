"""Use case: offline evaluation of the next-item model on the store's own data.

A fresh model is fitted on the part of the data the protocol allows (never the deployed version,
which has seen the test items), then scored with the pure metrics of ``shelfwise.evaluation``:
- ``loo``: each customer's last item is the test target, the one before it validation (the model
  trains on everything up to the test target, and may use the validation item for early stopping);
- ``temporal``: events before a time cutoff train, each customer's first item after it is the target.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from shelfwise.domain import ENGAGEMENT_TYPES
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
from shelfwise.evaluation import write_report as write_evaluation_report
from shelfwise.retrieval import FitOptions, TrainingData
from shelfwise.service.context import ServiceContext
from shelfwise.training.data import build_histories, build_item_index, customer_of_users
from shelfwise.training.job import catalog_texts, embed_catalog
from shelfwise.training.models import DEFAULT_MODEL, create_model

Protocol = Literal["loo", "temporal"]


@dataclass(frozen=True)
class EvaluateOptions:
    protocol: Protocol = "loo"
    model: str = DEFAULT_MODEL
    k_values: tuple[int, ...] = (5, 10, 20)
    temporal_fraction: float = 0.8  # share of events (by time) used for training
    seed: int = 0
    max_minutes: float = 20.0
    encoder: str | None = None
    progress: bool = True


def _cases(ctx: ServiceContext, options: EvaluateOptions) -> tuple[int, list[np.ndarray], EvalCases, list[str]]:
    store = ctx.store
    events = [s.event for s in store.iter_events(types=ENGAGEMENT_TYPES)]
    items = list(store.iter_items())
    index = build_item_index(items, events)
    texts = catalog_texts(items, index)
    if options.protocol == "loo":
        histories = list(build_histories(events, index, customer_of_users(store)).values())
        split = leave_one_out([h.items for h in histories], [[c or "unknown" for c in h.channels] for h in histories])
        return len(index), _loo_fit_sequences(split), split.test_cases(), texts
    customer_of = customer_of_users(store)
    users: dict[str, int] = {}
    rows = [
        (users.setdefault(customer_of.get(e.user_id, e.user_id), len(users)), index.get(e.item_id), e.timestamp,
         e.channel or "unknown")
        for e in events
        if e.item_id is not None and index.get(e.item_id) is not None
    ]
    if not rows:
        raise ModelError("nothing to evaluate: ingest events first")
    u, i, t, c = zip(*rows, strict=True)
    split = temporal_split(Events(np.array(u), np.array(i), np.array(t, dtype=float), np.array(c)),
                           fraction=options.temporal_fraction)
    return len(index), split.train_histories(len(users)), split.cases("first", len(users)), texts


def _loo_fit_sequences(split: LeaveOneOutSplit) -> list[np.ndarray]:
    """Everything but each evaluated customer's test item."""
    fit = list(split.train)
    for user, valid in zip(split.evaluated_users, split.valid_targets, strict=True):
        fit[user] = np.append(split.train[user], valid).astype(np.int32)
    return fit


def evaluate(ctx: ServiceContext, options: EvaluateOptions) -> EvaluationReport:
    n_items, fit_sequences, cases, texts = _cases(ctx, options)
    if len(cases) == 0:
        raise ModelError("no customer has enough history to evaluate (leave-one-out needs 3+ items)")
    embeddings, _ = embed_catalog(ctx, texts, options.encoder, options.progress)
    model = create_model(options.model)
    fit_sequences = [np.asarray(s, dtype=np.int32) for s in fit_sequences if len(s)]
    model.fit(
        TrainingData(n_items=n_items, sequences=fit_sequences, item_embeddings=embeddings),
        FitOptions(seed=options.seed, max_minutes=options.max_minutes, threads=ctx.settings.threads,
                   progress=options.progress),
    )
    popularity = np.bincount(np.concatenate(fit_sequences), minlength=n_items) if fit_sequences else None
    return evaluate_scores(
        model.score, cases, k_values=options.k_values, item_popularity=popularity,
        model_name=options.model, split_name=options.protocol, item_embeddings=embeddings,
    )


def write_report(report: EvaluationReport, directory: Path) -> Path:
    write_evaluation_report(report, directory)
    return directory
