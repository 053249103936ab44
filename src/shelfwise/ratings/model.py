"""Rating predictors, from the simplest baseline to biased matrix factorisation.

    r̂(u, i) = μ + b_u + b_i + p_u · q_i        (clipped to the scale seen in training)

``Biases`` is the classic baseline predictor (μ + b_u + b_i, regularised); ``BiasedMF`` adds latent
factors. Both are fitted by alternating least squares: with the items fixed, each user's
(p_u, b_u) is one small ridge regression on that user's ratings, solved for all users at once in
closed form, then the same for items; no learning rate to tune, a few sweeps converge. The ridge
weight is chosen on a validation split of the training ratings (each customer's newest), then the
model is refitted on all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from shelfwise.evaluation.ratings import hold_out_newest

# Ratings per chunk when summing the per-user normal equations (bounds memory to ~chunk × (k+1)²).
_CHUNK = 50_000


@dataclass(frozen=True)
class Ratings:
    """Observed ratings as parallel arrays over dense user and item indices."""

    users: np.ndarray  # int64, 0..n_users-1
    items: np.ndarray  # int64, 0..n_items-1
    values: np.ndarray  # float64 stars
    times: np.ndarray  # float64 epoch seconds (ordering only)
    n_users: int
    n_items: int

    def __len__(self) -> int:
        return int(self.values.size)

    def subset(self, mask: np.ndarray) -> Ratings:
        return Ratings(
            self.users[mask],
            self.items[mask],
            self.values[mask],
            self.times[mask],
            self.n_users,
            self.n_items,
        )


class RatingPredictor(Protocol):
    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class GlobalMean:
    mean: float

    @classmethod
    def fit(cls, data: Ratings) -> GlobalMean:
        return cls(float(data.values.mean()))

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        return np.full(len(items), self.mean)


@dataclass(frozen=True)
class ItemMean:
    """Each item's mean rating; the global mean for an item nobody rated yet."""

    mean: float
    item_mean: np.ndarray
    rated: np.ndarray  # bool per item

    @classmethod
    def fit(cls, data: Ratings) -> ItemMean:
        counts = np.bincount(data.items, minlength=data.n_items)
        sums = np.bincount(data.items, weights=data.values, minlength=data.n_items)
        return cls(float(data.values.mean()), sums / np.maximum(counts, 1), counts > 0)

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        return np.where(self.rated[items], self.item_mean[items], self.mean)


@dataclass(frozen=True)
class Biases:
    """μ + b_u + b_i, each bias shrunk towards 0 by ``reg`` (as if ``reg`` ratings of exactly μ)."""

    mean: float
    user: np.ndarray
    item: np.ndarray
    low: float
    high: float

    @classmethod
    def fit(cls, data: Ratings, reg: float = 5.0, sweeps: int = 10) -> Biases:
        mu = float(data.values.mean())
        residual = data.values - mu
        n_user = np.bincount(data.users, minlength=data.n_users)
        n_item = np.bincount(data.items, minlength=data.n_items)
        b_user = np.zeros(data.n_users)
        b_item = np.zeros(data.n_items)
        for _ in range(sweeps):
            b_item = np.bincount(data.items, residual - b_user[data.users], data.n_items) / (reg + n_item)
            b_user = np.bincount(data.users, residual - b_item[data.items], data.n_users) / (reg + n_user)
        return cls(mu, b_user, b_item, float(data.values.min()), float(data.values.max()))

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        return np.clip(self.mean + self.user[users] + self.item[items], self.low, self.high)


@dataclass(frozen=True)
class BiasedMF:
    mean: float
    user_bias: np.ndarray
    item_bias: np.ndarray
    user_factors: np.ndarray  # (n_users, k)
    item_factors: np.ndarray  # (n_items, k)
    low: float
    high: float
    reg: float

    @classmethod
    def fit(
        cls, data: Ratings, factors: int = 16, reg: float = 5.0, sweeps: int = 12, seed: int = 0
    ) -> BiasedMF:
        rng = np.random.default_rng(seed)
        mu = float(data.values.mean())
        residual = data.values - mu
        p = np.zeros((data.n_users, factors))
        b_user = np.zeros(data.n_users)
        q = rng.normal(0.0, 0.1, (data.n_items, factors))
        b_item = np.zeros(data.n_items)
        for _ in range(sweeps):
            p, b_user = _ridge_step(
                data.users, data.n_users, q[data.items], residual - b_item[data.items], reg
            )
            q, b_item = _ridge_step(
                data.items, data.n_items, p[data.users], residual - b_user[data.users], reg
            )
        return cls(mu, b_user, b_item, p, q, float(data.values.min()), float(data.values.max()), reg)

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        interaction = np.einsum("nk,nk->n", self.user_factors[users], self.item_factors[items])
        raw = self.mean + self.user_bias[users] + self.item_bias[items] + interaction
        return np.clip(raw, self.low, self.high)

    @property
    def factors(self) -> int:
        return int(self.user_factors.shape[1])


def _ridge_step(
    rows: np.ndarray, n_rows: int, other: np.ndarray, target: np.ndarray, reg: float
) -> tuple[np.ndarray, np.ndarray]:
    """For every row (user or item), the ridge solution of target ≈ [factors, bias] · [other, 1]
    over that row's ratings; a row without ratings gets zeros."""
    k = other.shape[1]
    design = np.hstack([other, np.ones((len(other), 1))])
    gram = np.zeros((n_rows, (k + 1) * (k + 1)))
    rhs = np.zeros((n_rows, k + 1))
    for start in range(0, len(design), _CHUNK):
        part = slice(start, start + _CHUNK)
        x = design[part]
        # Summing each row's outer products: a sparse row-indicator times the stacked products.
        owner = sp.csr_matrix((np.ones(len(x)), (rows[part], np.arange(len(x)))), shape=(n_rows, len(x)))
        gram += owner @ (x[:, :, None] * x[:, None, :]).reshape(len(x), -1)
        rhs += owner @ (x * target[part, None])
    gram = gram.reshape(n_rows, k + 1, k + 1)
    gram += reg * np.eye(k + 1)
    solution = np.linalg.solve(gram, rhs[:, :, None])[:, :, 0]
    return solution[:, :k], solution[:, k]


@dataclass(frozen=True)
class RatingOptions:
    factors: tuple[int, ...] = (8, 32)  # latent dimensions tried
    regs: tuple[float, ...] = (1.0, 3.0, 10.0, 30.0)  # ridge weights tried (for MF and the biases)
    sweeps: int = 12
    seed: int = 0


@dataclass(frozen=True)
class Tuned:
    model: BiasedMF
    validation_rmse: float
    validation_ratings: int


def fit_rating_model(data: Ratings, options: RatingOptions | None = None) -> Tuned:
    """Choose factors and ridge weight on each customer's newest training rating, refit on all."""
    options = options or RatingOptions()
    held = hold_out_newest(data.users, data.times)
    fit_part, check = data.subset(~held), data.subset(held)
    best: tuple[float, int, float] | None = None
    if len(check) and len(fit_part):
        for factors, reg in _grid(options.factors, options.regs):
            model = BiasedMF.fit(fit_part, factors, reg, options.sweeps, options.seed)
            error = float(np.sqrt(np.mean((model.predict(check.users, check.items) - check.values) ** 2)))
            if best is None or error < best[0]:
                best = (error, factors, reg)
    error, factors, reg = best or (float("nan"), options.factors[0], options.regs[-1])
    return Tuned(BiasedMF.fit(data, factors, reg, options.sweeps, options.seed), error, len(check))


def tune_biases(data: Ratings, regs: Sequence[float]) -> Biases:
    """The user + item bias baseline with its shrinkage chosen the same way as the model's."""
    held = hold_out_newest(data.users, data.times)
    fit_part, check = data.subset(~held), data.subset(held)
    best_reg, best_error = regs[-1], np.inf
    if len(check) and len(fit_part):
        for reg in regs:
            error = np.mean((Biases.fit(fit_part, reg).predict(check.users, check.items) - check.values) ** 2)
            if error < best_error:
                best_reg, best_error = reg, error
    return Biases.fit(data, best_reg)


def _grid(factors: Sequence[int], regs: Sequence[float]) -> list[tuple[int, float]]:
    return [(k, reg) for k in factors for reg in regs]
