"""Offline evaluation of rating prediction on the store's own ``rate`` events
(``shelfwise evaluate --protocol ratings``).

Each customer (all accounts, all channels) with at least two ratings has their newest one held out;
the model (biased matrix factorisation, ridge weight and factors tuned on each customer's newest
*training* rating) and three baselines fitted on the same training ratings in the same run predict
it: the global mean, each item's mean, and user + item biases (shrinkage tuned the same way).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from shelfwise.errors import ModelError
from shelfwise.evaluation.ratings import hold_out_newest, rating_errors
from shelfwise.history import customer_of_users
from shelfwise.ratings import (
    GlobalMean,
    ItemMean,
    RatingOptions,
    RatingPredictor,
    Ratings,
    fit_rating_model,
    tune_biases,
)
from shelfwise.storage.base import Store


@dataclass(frozen=True)
class RatingsReport:
    mae: float
    rmse: float
    baselines: dict[str, dict[str, float]]
    ratings: int  # held-out ratings predicted (one per customer with 2+ ratings)
    train_ratings: int
    customers: int  # customers with at least one rating
    items: int  # items with at least one rating
    model: dict[str, Any] = field(default_factory=dict)  # chosen factors, ridge weight, validation RMSE

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def load_ratings(store: Store) -> Ratings:
    """Every ``rate`` event with a value, per customer (not per account), in time order."""
    customer_of = customer_of_users(store)
    users: dict[str, int] = {}
    items: dict[str, int] = {}
    rows: list[tuple[int, int, float, float]] = []
    for stored in store.iter_events(types=("rate",)):
        event = stored.event
        if event.item_id is None or event.value is None:
            continue
        customer = customer_of.get(event.user_id, event.user_id)
        user = users.setdefault(customer, len(users))
        item = items.setdefault(event.item_id, len(items))
        rows.append((user, item, float(event.value), event.timestamp))
    table = np.asarray(rows, dtype=np.float64).reshape(-1, 4)
    return Ratings(
        table[:, 0].astype(np.int64),
        table[:, 1].astype(np.int64),
        table[:, 2],
        table[:, 3],
        len(users),
        len(items),
    )


def evaluate_ratings(store: Store, options: RatingOptions | None = None) -> RatingsReport:
    options = options or RatingOptions()
    data = load_ratings(store)
    test = hold_out_newest(data.users, data.times)
    if not test.any():
        raise ModelError("no customer has two ratings: the ratings protocol needs `rate` events with a value")
    train, held = data.subset(~test), data.subset(test)
    tuned = fit_rating_model(train, options)
    baselines: dict[str, RatingPredictor] = {
        "global_mean": GlobalMean.fit(train),
        "item_mean": ItemMean.fit(train),
        "user_item_bias": tune_biases(train, options.regs),
    }
    model_errors = rating_errors(tuned.model.predict(held.users, held.items), held.values)
    return RatingsReport(
        mae=model_errors["mae"],
        rmse=model_errors["rmse"],
        baselines={
            name: rating_errors(baseline.predict(held.users, held.items), held.values)
            for name, baseline in baselines.items()
        },
        ratings=len(held),
        train_ratings=len(train),
        customers=data.n_users,
        items=data.n_items,
        model={
            "name": "biased_mf",
            "factors": tuned.model.factors,
            "reg": tuned.model.reg,
            "validation_rmse": tuned.validation_rmse,
            "validation_ratings": tuned.validation_ratings,
        },
    )
