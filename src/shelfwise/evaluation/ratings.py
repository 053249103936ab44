"""The rating-prediction protocol: each customer's newest rating is predicted from the earlier ones.

Temporal and per customer, like the shop's real question ("how will this customer rate the next
thing they buy?"): for every customer with at least ``min_ratings`` ratings the newest one is held
out, everything else (including every rating of customers with a single one) trains. The same cut,
applied again to the training ratings, gives the validation split a model tunes on.
"""

from __future__ import annotations

import numpy as np

from shelfwise.evaluation.metrics import mae, rmse


def hold_out_newest(users: np.ndarray, times: np.ndarray, min_ratings: int = 2) -> np.ndarray:
    """Boolean mask over the ratings: each user's newest (the later row on a tie), for users with
    at least ``min_ratings`` ratings."""
    users = np.asarray(users)
    if users.size == 0:
        return np.zeros(0, dtype=bool)
    # Sort by (user, time, row): the last row of each user's run is their newest rating.
    order = np.lexsort((np.arange(users.size), np.asarray(times, dtype=np.float64), users))
    sorted_users = users[order]
    _, run_of, run_length = np.unique(sorted_users, return_inverse=True, return_counts=True)
    newest = np.ones(users.size, dtype=bool)
    newest[:-1] = sorted_users[1:] != sorted_users[:-1]
    mask = np.zeros(users.size, dtype=bool)
    mask[order[newest & (run_length[run_of] >= min_ratings)]] = True
    return mask


def rating_errors(predicted: np.ndarray, actual: np.ndarray) -> dict[str, float]:
    """MAE and RMSE of predicted against actual ratings."""
    return {"mae": mae(predicted, actual), "rmse": rmse(predicted, actual)}
