"""The report of one experiment: what each variant was shown and earned, the lift of each treatment
over the control, whether the split itself is sound, and a decision in plain words.

The unit is the **customer** (the unit of assignment). Counting rules:
- *requests*: distinct lists served to the variant; *impressions*: items in them. When the shop's
  front end posted the impressions it rendered for a list (origin ``client``), those count for that
  list instead of the server's log (what was seen, not what was sent).
- *clicks*, *carts*, *purchases*, *revenue*: outcomes credited to the experiment's lists.
- *ctr* = clicks / impressions; *conversion* = customers with a credited purchase / customers.

Metrics and their tests: CTR and conversion are rates (two-proportion z-test); clicks and revenue
per customer are means, adjusted by CUPED with the customer's own clicks / revenue in the
same-length window before the start (``stats.cuped``) and tested with the delta method. The
decision reads CTR, the primary metric, with a Bonferroni-corrected level when there are several
treatments; a sample-ratio mismatch overrides everything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shelfwise.domain import Impression, Outcome
from shelfwise.experiments.stats import Lift, cuped, mean_lift, srm_p_value, two_proportions
from shelfwise.storage.base import ExperimentRecord

ALPHA = 0.05
SRM_ALPHA = 0.001  # the usual threshold: a split this unlikely is broken, not unlucky
ANONYMOUS = "(anonymous)"


@dataclass
class CustomerTally:
    """One customer's traffic and outcomes under one variant."""

    variant: str
    requests: set[str] = field(default_factory=set)
    impressions: int = 0
    clicks: int = 0
    carts: int = 0
    purchases: int = 0
    revenue: float = 0.0


@dataclass(frozen=True, slots=True)
class PriorBehaviour:
    """A customer's behaviour in the window of the experiment's length before its start (CUPED)."""

    clicks: int = 0
    purchases: int = 0
    revenue: float = 0.0


def customer_key(customer_id: str | None, user_id: str | None) -> str:
    return customer_id or user_id or ANONYMOUS


def tally(
    experiment: str, impressions: Iterable[Impression], outcomes: Iterable[Outcome]
) -> dict[tuple[str, str], CustomerTally]:
    """Per (variant, customer): lists, impressions and credited outcomes of ``experiment``."""
    by_request: dict[str, dict[str, list[Impression]]] = defaultdict(lambda: defaultdict(list))
    for impression in impressions:
        if impression.experiment == experiment and impression.variant:
            by_request[impression.request_id][impression.origin].append(impression)
    tallies: dict[tuple[str, str], CustomerTally] = {}
    owner: dict[str, tuple[str, str]] = {}  # request id → (variant, customer)
    for request_id, origins in by_request.items():
        shown = origins.get("client") or next(iter(origins.values()))
        first = shown[0]
        key = (str(first.variant), customer_key(first.customer_id, first.user_id))
        entry = tallies.setdefault(key, CustomerTally(key[0]))
        entry.requests.add(request_id)
        entry.impressions += len(shown)
        owner[request_id] = key
    for outcome in outcomes:
        key = owner.get(outcome.request_id)
        if outcome.experiment != experiment or key is None:
            continue
        entry = tallies[key]
        if outcome.type == "click":
            entry.clicks += 1
        elif outcome.type == "add_to_cart":
            entry.carts += 1
        elif outcome.type == "purchase":
            entry.purchases += 1
            entry.revenue += outcome.revenue
    return tallies


def build_report(
    experiment: ExperimentRecord,
    tallies: Mapping[tuple[str, str], CustomerTally],
    prior: Mapping[str, PriorBehaviour] | None = None,
) -> dict[str, Any]:
    """The report as a JSON-ready dict (keys: experiment, variants, lift, ci95, p_value,
    srm_p_value, decision, and details: cuped, control, status, traffic)."""
    prior = prior or {}
    members: dict[str, list[tuple[str, CustomerTally]]] = {v: [] for v in experiment.variants}
    for (variant, customer), entry in sorted(tallies.items()):
        members.setdefault(variant, []).append((customer, entry))
    variants = {
        name: {
            **_summary(rows, experiment.variants.get(name)),
            "stages_off": list(experiment.stages_off.get(name, ())),
        }
        for name, rows in members.items()
    }
    control = experiment.control
    adjusted, cuped_info = _cuped_metrics(members, prior)
    lift: dict[str, dict[str, float | None]] = {}
    ci95: dict[str, dict[str, list[float] | None]] = {}
    p_value: dict[str, dict[str, float | None]] = {}
    for treatment in [v for v in members if v != control]:
        tests = _tests(variants[treatment], variants[control], adjusted[treatment], adjusted[control])
        lift[treatment] = {m: _round(t.lift) for m, t in tests.items()}
        ci95[treatment] = {m: [_round(b) for b in t.ci95] if t.ci95 else None for m, t in tests.items()}  # type: ignore[misc]
        p_value[treatment] = {m: _round(t.p_value) for m, t in tests.items()}
    customers = [variants[v]["customers"] for v in experiment.variants]
    srm = srm_p_value(customers, [experiment.traffic.get(v, 0.0) for v in experiment.variants])
    return {
        "experiment": experiment.name,
        "placement": experiment.placement,
        "status": experiment.status,
        "control": control,
        "traffic": experiment.traffic,
        "variants": variants,
        "lift": lift,
        "ci95": ci95,
        "p_value": p_value,
        "srm_p_value": _round(srm),
        "cuped": cuped_info,
        "decision": decide(experiment, variants, lift, ci95, p_value, srm),
    }


def _summary(rows: list[tuple[str, CustomerTally]], version: str | None) -> dict[str, Any]:
    customers = len(rows)
    impressions = sum(t.impressions for _, t in rows)
    clicks = sum(t.clicks for _, t in rows)
    buyers = sum(1 for _, t in rows if t.purchases > 0)
    revenue = round(sum(t.revenue for _, t in rows), 2)
    return {
        "model_version": version,
        "customers": customers,
        "requests": sum(len(t.requests) for _, t in rows),
        "impressions": impressions,
        "clicks": clicks,
        "ctr": round(clicks / impressions, 6) if impressions else None,
        "carts": sum(t.carts for _, t in rows),
        "purchases": sum(t.purchases for _, t in rows),
        "buyers": buyers,
        "conversion": round(buyers / customers, 6) if customers else None,
        "revenue": revenue,
        "revenue_per_customer": round(revenue / customers, 4) if customers else None,
    }


PER_CUSTOMER = {"clicks_per_customer": "clicks", "revenue_per_customer": "revenue"}


def _cuped_metrics(
    members: Mapping[str, list[tuple[str, CustomerTally]]], prior: Mapping[str, PriorBehaviour]
) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, dict[str, float]]]:
    """Per variant, the CUPED-adjusted per-customer metrics; θ is pooled over every variant."""
    order = [(v, c, t) for v, rows in members.items() for c, t in rows]
    adjusted: dict[str, dict[str, np.ndarray]] = {v: {} for v in members}
    info: dict[str, dict[str, float]] = {}
    variant_of = np.array([v for v, _, _ in order], dtype=object)
    for metric, attribute in PER_CUSTOMER.items():
        y = np.array([float(getattr(t, attribute)) for _, _, t in order])
        x = np.array([float(getattr(prior.get(c, PriorBehaviour()), attribute)) for _, c, _ in order])
        result = cuped(y, x)
        info[metric] = {
            "theta": round(result.theta, 6),
            "variance_reduction": round(result.variance_reduction, 4),
        }
        for variant in members:
            adjusted[variant][metric] = result.adjusted[variant_of == variant]
    return adjusted, info


def _tests(
    treatment: Mapping[str, Any],
    control: Mapping[str, Any],
    adjusted_t: Mapping[str, np.ndarray],
    adjusted_c: Mapping[str, np.ndarray],
) -> dict[str, Lift]:
    tests = {
        "ctr": two_proportions(
            treatment["clicks"], treatment["impressions"], control["clicks"], control["impressions"]
        ),
        "conversion": two_proportions(
            treatment["buyers"], treatment["customers"], control["buyers"], control["customers"]
        ),
    }
    for metric in PER_CUSTOMER:
        tests[metric] = mean_lift(adjusted_t[metric], adjusted_c[metric])
    return tests


def decide(
    experiment: ExperimentRecord,
    variants: Mapping[str, Mapping[str, Any]],
    lift: Mapping[str, Mapping[str, float | None]],
    ci95: Mapping[str, Mapping[str, list[float] | None]],
    p_value: Mapping[str, Mapping[str, float | None]],
    srm: float | None,
) -> str:
    """One sentence a merchant can act on, from CTR (the primary metric)."""
    if srm is not None and srm < SRM_ALPHA:
        seen = "/".join(str(variants[v]["customers"]) for v in experiment.variants)
        wanted = "/".join(f"{experiment.traffic.get(v, 0) * 100:g}" for v in experiment.variants)
        return f"SRM: do not trust this split (customers {seen}, configured {wanted}, p={srm:.2g})"
    if not lift:
        return "no treatment to compare"
    level = ALPHA / len(lift)  # Bonferroni over the treatments
    sentences = []
    for treatment in lift:
        relative, interval, p = lift[treatment]["ctr"], ci95[treatment]["ctr"], p_value[treatment]["ctr"]
        if relative is None or interval is None or p is None:
            sentences.append(f"{treatment}: not enough impressions yet")
            continue
        figures = f"CTR {relative:+.0%} (95% CI {interval[0]:+.0%}…{interval[1]:+.0%}), {p_text(p)}"
        if p >= level:
            sentences.append(
                f"no detectable difference yet between {treatment} and {experiment.control}: {figures}"
            )
        elif relative > 0:
            sentences.append(f"{treatment} wins: {figures}")
        else:
            sentences.append(f"{experiment.control} wins over {treatment}: {figures}")
    return "; ".join(sentences)


def p_text(p: float) -> str:
    return "p<0.0001" if p < 0.0001 else f"p={p:.2g}"


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)
