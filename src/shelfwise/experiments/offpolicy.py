"""What a model version would earn on traffic it never served: the self-normalised inverse
propensity (SNIPS) estimate of its CTR from lists logged with exploration.

For every logged slot (request ``r``, position ``p``, item ``i``, propensity ``π``, clicked ``c``)
and the version's own list ``t`` for the same request, the weight is ``w = 1[t_p = i] / π``.
Then ``CTR ≈ Σ w·c / Σ w``. Under the position-based click model (a shopper's click on a slot
depends on the item and the position, not on the rest of the list), ``E[w·c]`` is the click
probability of ``t_p`` at ``p`` wherever the logging policy could have shown ``t_p`` there;
normalising by ``Σ w`` removes the sensitivity to the scale of the weights. The interval treats
each request as one cluster (its slots share one shopper): the delta-method interval of the ratio
``Σ_r C_r / Σ_r W_r`` with ``W_r = Σ_p w`` and ``C_r = Σ_p w·c`` (``evaluation.ratio_interval``,
the same one the online metrics use).

Only lists with *full support* enter: every item of the version's list could have been shown in its
slot by the logging policy (positive propensity). Otherwise the estimate would average over the
slots the logger happens to cover, which over-represents what the two policies agree on. Lists
served by the version itself (one variant of the logging experiment, a random share of customers)
always have full support, so its estimate stands for all traffic.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass

from shelfwise.evaluation.intervals import ratio_interval


@dataclass(frozen=True, slots=True)
class LoggedSlot:
    request_id: str
    position: int
    item_id: str
    propensity: float
    clicked: bool


@dataclass(frozen=True, slots=True)
class OffPolicyEstimate:
    ctr: float | None
    ci95: tuple[float, float] | None
    requests: int  # logged requests replayed
    slots: int  # logged slots
    matched: int  # slots where the version would have shown the logged item
    effective_slots: float  # (Σw)² / Σw²: how many on-policy slots the weighted sample is worth


def snips(
    slots: Iterable[LoggedSlot], target: Mapping[str, Sequence[str]], supported: Set[str] | None = None
) -> OffPolicyEstimate:
    """SNIPS estimate of the CTR of the policy that would show ``target[request]`` (item ids by slot),
    over the requests in ``supported`` (all of ``target`` when None)."""
    weight_of: dict[str, float] = defaultdict(float)
    click_of: dict[str, float] = defaultdict(float)
    requests, count, matched, squares = set(), 0, 0, 0.0
    for slot in slots:
        if slot.request_id not in target or slot.propensity <= 0:
            continue
        if supported is not None and slot.request_id not in supported:
            continue
        requests.add(slot.request_id)
        count += 1
        wanted = target[slot.request_id]
        if slot.position < len(wanted) and wanted[slot.position] == slot.item_id:
            weight = 1.0 / slot.propensity
            matched += 1
            squares += weight * weight
            weight_of[slot.request_id] += weight
            click_of[slot.request_id] += weight * slot.clicked
    total = sum(weight_of.values())
    if total == 0:
        return OffPolicyEstimate(None, None, len(requests), count, 0, 0.0)
    ctr = sum(click_of.values()) / total
    clustered = list(weight_of)
    interval = ratio_interval([click_of[r] for r in clustered], [weight_of[r] for r in clustered])
    # One weighted request gives no spread to estimate: no interval rather than a zero-width one.
    ci95 = None if math.isnan(interval.low) else (max(0.0, interval.low), min(1.0, interval.high))
    return OffPolicyEstimate(ctr, ci95, len(requests), count, matched, total**2 / squares)
