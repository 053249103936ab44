"""Use case: the fairness and exposure report (``shelfwise evaluate --fairness``,
``GET /v1/admin/reports/fairness``).

Leave-one-out on the store's data, as ``shelfwise evaluate`` does: a fresh model is fitted without
each customer's last item; each customer's list is the model's top candidates passed through the
home placement's business rules (so a brand cap shows in the exposure), and the held-out item is
looked for in it. Groups: every account attribute with 2–12 values seen on at least 5 % of the
evaluated customers (age band, region, home store...), the channel of the held-out event, and the
history length. The latest report is kept in ``<home>/reports/fairness.json`` for the API.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from shelfwise.domain import ScoredItem
from shelfwise.errors import ModelError, NotFoundError
from shelfwise.evaluation import leave_one_out
from shelfwise.evaluation.fairness import (
    FairnessReport,
    exposure_by_group,
    exposure_counts,
    gini,
    popularity_deciles,
    quality_by_group,
)
from shelfwise.evaluation.metrics import hits_from_ranks, mask_scores, ndcg_from_ranks, top_k_in_masked
from shelfwise.evaluation.segments import bucket_labels, bucketize
from shelfwise.history import HISTORY_TYPES, build_histories, build_item_index, customer_of_users
from shelfwise.ranking.rules import RuleContext, apply_rules
from shelfwise.retrieval import FitOptions, TrainingData
from shelfwise.retrieval.registry import create_model
from shelfwise.service.context import ServiceContext
from shelfwise.storage.base import Store

REPORT_FILE = "fairness.json"
MAX_GROUPS = 12
MIN_COVERAGE = 0.05
POOL = 50  # model candidates per customer before the rules


@dataclass(frozen=True)
class FairnessOptions:
    model: str = "transitions"
    k: int = 10
    placement: str = "home"
    seed: int = 0
    max_minutes: float = 5.0


def report_path(ctx: ServiceContext) -> Path:
    return ctx.settings.home / "reports" / REPORT_FILE


def customer_attributes(store: Store, customers: list[str]) -> dict[str, list[str]]:
    """{attribute: one label per customer} for attributes with few values on enough customers."""
    merged: dict[str, dict[str, str]] = {}
    for account in store.iter_accounts():
        customer = account.customer_id or account.user_id
        for name, value in account.attributes.items():
            if isinstance(value, str | int | bool) and not isinstance(value, float):
                merged.setdefault(customer, {}).setdefault(name, str(value))
    families: dict[str, list[str]] = {}
    names = Counter(name for c in customers for name in merged.get(c, {}))
    for name, seen in names.items():
        values = [merged.get(c, {}).get(name, "unknown") for c in customers]
        distinct = set(values) - {"unknown"}
        if 2 <= len(distinct) <= MAX_GROUPS and seen >= MIN_COVERAGE * len(customers):
            families[name] = values
    return families


def _brand(item: Any) -> str | None:
    if item is None:
        return None
    return item.brand or (str(item.attributes["seller"]) if item.attributes.get("seller") else None)


def fairness_report(ctx: ServiceContext, options: FairnessOptions) -> FairnessReport:
    store = ctx.store
    events = [s.event for s in store.iter_events(types=HISTORY_TYPES)]
    catalog = {item.item_id: item for item in store.iter_items()}
    index = build_item_index(catalog.values(), events)
    histories = list(build_histories(events, index, customer_of_users(store)).values())
    split = leave_one_out(
        [h.items for h in histories], [[c or "unknown" for c in h.channels] for h in histories]
    )
    if len(split.evaluated_users) == 0:
        raise ModelError("no customer has enough history to evaluate (leave-one-out needs 3+ items)")
    fit = list(split.train)  # everything but each evaluated customer's last item
    for user, valid in zip(split.evaluated_users, split.valid_targets, strict=True):
        fit[user] = np.append(split.train[user], valid)
    fit = [np.asarray(s, dtype=np.int32) for s in fit if len(s)]
    model = create_model(options.model)
    model.fit(
        TrainingData(n_items=len(index), sequences=fit),
        FitOptions(
            seed=options.seed, max_minutes=options.max_minutes, threads=ctx.settings.threads, progress=False
        ),
    )
    rules = ctx.settings.rules.for_placement(options.placement)
    cases = split.test_cases()
    lists = np.full((len(cases), options.k), -1, dtype=np.int64)
    ranks = np.full(len(cases), options.k + 1, dtype=np.int64)
    for start in range(0, len(cases), 512):
        histories_chunk = cases.histories[start : start + 512]
        masked = mask_scores(model.score(histories_chunk), histories_chunk)
        masked[:, ~index.known] = -np.inf
        pools = top_k_in_masked(masked, POOL)
        for row, pool in enumerate(pools):
            candidates = [
                ScoredItem(index.item_ids[i], float(masked[row, i]))
                for i in pool
                if np.isfinite(masked[row, i])
            ]
            shown = apply_rules(candidates, catalog, rules, options.k, RuleContext())
            positions = [index.get(s.item_id) for s in shown]
            lists[start + row, : len(positions)] = positions
            target = int(cases.targets[start + row])
            if target in positions:
                ranks[start + row] = positions.index(target) + 1
    customers = [histories[u].customer_id for u in split.evaluated_users]
    labels: dict[str, list[str]] = dict(customer_attributes(store, customers))
    labels["channel"] = [str(c) for c in cases.target_channels] if cases.target_channels is not None else []
    lengths = (2, 5, 10)
    labels["history_length"] = list(bucketize(np.array([len(h) for h in cases.histories]), lengths))
    labels = {family: values for family, values in labels.items() if values}
    groups, gaps = quality_by_group(
        ranks, labels, options.k, orders={"history_length": bucket_labels(lengths)}
    )
    engagement = np.bincount(np.concatenate(fit), minlength=len(index)).astype(np.float64)
    exposure = exposure_counts(lists, len(index))
    brands = [_brand(catalog.get(item_id)) for item_id in index.item_ids]
    notes = [
        f"model {options.model} fitted without each customer's last item; lists after the {options.placement} rules"
    ]
    if rules.max_share_per_brand is not None:
        notes.append(f"brand cap: at most {rules.max_share_per_brand:.0%} of a list from one brand")
    return FairnessReport(
        k=options.k,
        cases=len(cases),
        overall={
            f"hr@{options.k}": float(hits_from_ranks(ranks, options.k).mean()),
            f"ndcg@{options.k}": float(ndcg_from_ranks(ranks, options.k).mean()),
        },
        groups=groups,
        gaps=gaps,
        exposure_by_brand=exposure_by_group(
            exposure[index.known],
            engagement[index.known],
            [b for b, ok in zip(brands, index.known, strict=True) if ok],
        ),
        deciles=popularity_deciles(exposure, engagement, index.known),
        gini_exposure=gini(exposure[index.known]),
        gini_engagement=gini(engagement[index.known]),
        notes=notes,
    )


def save_report(ctx: ServiceContext, report: FairnessReport, directory: Path | None = None) -> Path:
    """Write ``fairness.json`` and ``fairness.md`` (into ``directory`` and the home's reports/)."""
    payload = json.dumps(report.as_json(), indent=2)
    latest = report_path(ctx)
    for folder in {latest.parent, *([directory] if directory else [])}:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / REPORT_FILE).write_text(payload)
        (folder / "fairness.md").write_text(report.markdown())
    return latest


def latest_report(ctx: ServiceContext) -> dict[str, Any]:
    path = report_path(ctx)
    if not path.exists():
        raise NotFoundError("no fairness report yet: run `shelfwise evaluate --fairness`")
    return json.loads(path.read_text())
