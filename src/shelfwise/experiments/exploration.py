"""Exploration: a small share of slots shows a random candidate, with the probability logged.

The logging policy for one list of ``k`` slots, given the model's own list ``d_0 … d_k−1`` and a
*pool* ``R`` of spare candidates (the server takes the next ``2k`` items of the same model's longer
list, which passed the shop's rules too): each slot ``p`` independently, with probability ``share``,
shows an item drawn uniformly (without replacement across slots) from ``R``; otherwise it shows
``d_p``. The marginal probability of what a slot shows is then exact and simple: ``1 − share`` for
``d_p`` and ``share / |R|`` for any pool item (draws without replacement are exchangeable, so each
explored slot is uniform over ``R``). That is
the propensity every impression logs, and what the off-policy estimate divides by.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def pool_size(k: int) -> int:
    """How many candidates beyond the ``k`` shown make up the exploration pool."""
    return 2 * k


def explore(ranked: Sequence[T], k: int, share: float, rng: random.Random) -> tuple[list[T], list[float]]:
    """The ``k`` items shown and each slot's propensity under the policy above; ``ranked`` is the
    model's ``k`` items followed by the pool."""
    shown, pool = list(ranked[:k]), list(ranked[k:])
    if share <= 0 or not pool:
        return shown, [1.0] * len(shown)
    explored_propensity = share / len(pool)
    remaining = pool[:]
    propensities = []
    for position in range(len(shown)):
        if remaining and rng.random() < share:
            shown[position] = remaining.pop(rng.randrange(len(remaining)))
            propensities.append(explored_propensity)
        else:
            propensities.append(1.0 - share)
    return shown, propensities
