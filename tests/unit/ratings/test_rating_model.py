"""Rating prediction on synthetic ratings whose user and item biases (and taste factors) are known."""

from __future__ import annotations

import numpy as np
import pytest

from shelfwise.evaluation.ratings import hold_out_newest, rating_errors
from shelfwise.ratings import BiasedMF, Biases, GlobalMean, ItemMean, Ratings, fit_rating_model, tune_biases


def _synthetic(seed: int = 0, users: int = 300, items: int = 120, per_user: int = 25):
    """r = 3.4 + b_u + b_i + taste_u · style_i + noise; the truth comes back with the ratings."""
    rng = np.random.default_rng(seed)
    b_user, b_item = rng.normal(0, 0.5, users), rng.normal(0, 0.7, items)
    taste, style = rng.normal(0, 0.6, (users, 2)), rng.normal(0, 0.6, (items, 2))
    u = np.repeat(np.arange(users), per_user)
    i = np.concatenate([rng.choice(items, per_user, replace=False) for _ in range(users)])
    stars = (
        3.4 + b_user[u] + b_item[i] + np.einsum("nk,nk->n", taste[u], style[i]) + rng.normal(0, 0.3, u.size)
    )
    times = rng.permutation(u.size).astype(float)
    data = Ratings(u, i, np.clip(stars, 1, 5), times, users, items)
    return data, b_user, b_item


def test_the_newest_rating_of_each_customer_with_two_or_more_is_held_out() -> None:
    users = np.array([0, 0, 1, 2, 2, 2])
    times = np.array([5.0, 1.0, 9.0, 3.0, 7.0, 7.0])
    assert hold_out_newest(users, times).tolist() == [True, False, False, False, False, True]


def test_the_model_beats_every_baseline_and_recovers_the_biases() -> None:
    data, true_user, true_item = _synthetic()
    test = hold_out_newest(data.users, data.times)
    train, check = data.subset(~test), data.subset(test)
    tuned = fit_rating_model(train)
    model_error = rating_errors(tuned.model.predict(check.users, check.items), check.values)
    baselines = {
        "global_mean": GlobalMean.fit(train),
        "item_mean": ItemMean.fit(train),
        "user_item_bias": tune_biases(train, (1.0, 3.0, 10.0, 30.0)),
    }
    for name, baseline in baselines.items():
        error = rating_errors(baseline.predict(check.users, check.items), check.values)
        assert model_error["rmse"] < error["rmse"], name
        assert model_error["mae"] < error["mae"], name
    global_rmse = rating_errors(baselines["global_mean"].predict(check.users, check.items), check.values)[
        "rmse"
    ]
    assert model_error["rmse"] < 0.6 * global_rmse
    # The fitted biases are the planted ones (up to the noise and the shrinkage).
    assert np.corrcoef(tuned.model.user_bias, true_user)[0, 1] > 0.9
    assert np.corrcoef(tuned.model.item_bias, true_item)[0, 1] > 0.9
    bias_only = baselines["user_item_bias"]
    assert np.corrcoef(bias_only.user, true_user)[0, 1] > 0.9


def test_predictions_stay_on_the_scale_and_unknown_items_fall_back_to_the_customer() -> None:
    data, _, _ = _synthetic(users=40, items=30, per_user=10)
    model = BiasedMF.fit(data, factors=4, reg=3.0)
    predicted = model.predict(np.arange(40), np.zeros(40, dtype=np.int64))
    assert predicted.min() >= data.values.min() and predicted.max() <= data.values.max()
    wider = Ratings(data.users, data.items, data.values, data.times, data.n_users, data.n_items + 1)
    fresh = BiasedMF.fit(wider, factors=4, reg=3.0)
    new_item = np.full(3, data.n_items)
    expected = np.clip(fresh.mean + fresh.user_bias[:3], data.values.min(), data.values.max())
    assert fresh.predict(np.arange(3), new_item) == pytest.approx(expected)
    assert Biases.fit(wider).item[data.n_items] == 0.0
