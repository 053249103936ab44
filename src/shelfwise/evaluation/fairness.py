"""Fairness and exposure, as pure functions over evaluation results.

- **Quality per customer group**: HR@k and NDCG@k of the held-out targets for each value of any
  customer attribute (age band, region, home store...), the target's channel and the history length,
  with the largest gap between the groups of each family (groups under ``min_cases`` are reported
  but left out of the gap: a gap between two customers is noise). The largest of several noisy
  group means is biased upwards, so each gap comes with a permutation p-value: how often shuffling
  the labels among the same customers gives a gap at least as large.
- **Exposure per brand (or seller) and per popularity decile**: each group's share of all top-k
  slots against its share of engagement in the training data. A ratio above 1 means the group is
  shown more than it is engaged with; the Gini coefficient of per-item exposure (0 = every item
  shown equally, 1 = one item takes every slot) is reported next to the Gini of engagement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shelfwise.evaluation.metrics import hits_from_ranks, ndcg_from_ranks

MIN_CASES = 20
PERMUTATIONS = 999


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0: all equal; → 1: one value holds everything)."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    if x.size == 0 or x.sum() <= 0:
        return 0.0
    n = x.size
    cumulative = np.cumsum(x)
    return float((n + 1 - 2 * (cumulative.sum() / cumulative[-1])) / n)


def quality_by_group(
    ranks: np.ndarray,
    labels: Mapping[str, Sequence[str]],
    k: int,
    min_cases: int = MIN_CASES,
    orders: Mapping[str, Sequence[str]] | None = None,
) -> tuple[dict[str, dict[str, dict[str, float]]], dict[str, dict[str, Any]]]:
    """({family: {group: {n, hr@k, ndcg@k}}}, {family: largest gap}) for one label list per family.

    Groups are listed in ``orders[family]`` when given (buckets), else alphabetically; the
    "unknown" group (customers without the attribute) is listed but never part of a gap."""
    ranks = np.asarray(ranks)
    hits, gains = hits_from_ranks(ranks, k), ndcg_from_ranks(ranks, k)
    groups: dict[str, dict[str, dict[str, float]]] = {}
    gaps: dict[str, dict[str, Any]] = {}
    for family, family_labels in labels.items():
        values = np.asarray(family_labels, dtype=object)
        table = {}
        present = {str(v) for v in values}
        wanted = [g for g in (orders or {}).get(family, ()) if g in present]
        for group in wanted + sorted(present - set(wanted)):
            mask = values == group
            table[group] = {
                "n": float(mask.sum()),
                f"hr@{k}": float(hits[mask].mean()),
                f"ndcg@{k}": float(gains[mask].mean()),
            }
        groups[family] = table
        sized = {g: row for g, row in table.items() if row["n"] >= min_cases and g != "unknown"}
        if len(sized) >= 2:
            best = max(sized, key=lambda g: sized[g][f"ndcg@{k}"])
            worst = min(sized, key=lambda g: sized[g][f"ndcg@{k}"])
            gaps[family] = {
                "metric": f"ndcg@{k}",
                "best": best,
                "worst": worst,
                "gap": sized[best][f"ndcg@{k}"] - sized[worst][f"ndcg@{k}"],
                "ratio": sized[worst][f"ndcg@{k}"] / sized[best][f"ndcg@{k}"]
                if sized[best][f"ndcg@{k}"]
                else 0.0,
                "hr_gap": max(r[f"hr@{k}"] for r in sized.values())
                - min(r[f"hr@{k}"] for r in sized.values()),
                "p_value": gap_p_value(gains, values, list(sized)),
            }
    return groups, gaps


def gap_p_value(gains: np.ndarray, labels: np.ndarray, groups: list[str], seed: int = 0) -> float:
    """Permutation p-value of the largest minus smallest group mean of ``gains`` over ``groups``:
    labels are shuffled among the customers of those groups (sizes kept), seeded."""
    keep = np.isin(labels, groups)
    codes = np.searchsorted(np.asarray(sorted(groups), dtype=object), labels[keep])
    values, sizes = gains[keep], np.bincount(codes, minlength=len(groups))

    def spread(order: np.ndarray) -> float:
        means = np.bincount(order, weights=values, minlength=len(groups)) / sizes
        return float(means.max() - means.min())

    observed = spread(codes)
    rng = np.random.default_rng(seed)
    larger = sum(spread(rng.permutation(codes)) >= observed - 1e-12 for _ in range(PERMUTATIONS))
    return (1 + larger) / (1 + PERMUTATIONS)


def exposure_counts(top_lists: np.ndarray, n_items: int) -> np.ndarray:
    """Slots each item takes over all lists."""
    flat = np.asarray(top_lists, dtype=np.int64).ravel()
    return np.bincount(flat[flat >= 0], minlength=n_items).astype(np.float64)


def exposure_by_group(
    exposure: np.ndarray, engagement: np.ndarray, item_groups: Sequence[str | None], top: int = 15
) -> dict[str, dict[str, float]]:
    """{group: {items, exposure_share, engagement_share, ratio}} for the ``top`` most engaged groups
    plus "other" (the rest) and "unknown" (items without a group)."""
    labels = np.asarray([g if g else "unknown" for g in item_groups], dtype=object)
    total_exposure, total_engagement = max(exposure.sum(), 1.0), max(engagement.sum(), 1.0)
    by_group: dict[str, list[float]] = {}
    for label, shown, engaged in zip(labels, exposure, engagement, strict=True):
        row = by_group.setdefault(str(label), [0.0, 0.0, 0.0])
        row[0] += 1
        row[1] += shown
        row[2] += engaged
    named = sorted((g for g in by_group if g != "unknown"), key=lambda g: -by_group[g][2])
    keep = set(named[:top]) | {"unknown"}
    folded: dict[str, list[float]] = {}
    for group, (items, shown, engaged) in by_group.items():
        row = folded.setdefault(group if group in keep else "other", [0.0, 0.0, 0.0])
        row[0] += items
        row[1] += shown
        row[2] += engaged
    out = {}
    for group, (items, shown, engaged) in sorted(folded.items(), key=lambda kv: -kv[1][2]):
        exposure_share, engagement_share = shown / total_exposure, engaged / total_engagement
        out[group] = {
            "items": items,
            "exposure_share": exposure_share,
            "engagement_share": engagement_share,
            "ratio": exposure_share / engagement_share
            if engagement_share
            else float("inf")
            if shown
            else 0.0,
        }
    return out


def popularity_deciles(
    exposure: np.ndarray, engagement: np.ndarray, eligible: np.ndarray
) -> list[dict[str, float]]:
    """Eligible items cut into ten equal groups by engagement (decile 1 = most engaged): each
    decile's share of exposure and of engagement."""
    items = np.flatnonzero(eligible)
    order = items[np.argsort(-engagement[items], kind="stable")]
    total_exposure, total_engagement = max(exposure[items].sum(), 1.0), max(engagement[items].sum(), 1.0)
    rows = []
    for decile, chunk in enumerate(np.array_split(order, 10), start=1):
        shown, engaged = exposure[chunk].sum() / total_exposure, engagement[chunk].sum() / total_engagement
        rows.append(
            {
                "decile": float(decile),
                "items": float(len(chunk)),
                "exposure_share": float(shown),
                "engagement_share": float(engaged),
                "ratio": float(shown / engaged) if engaged else (float("inf") if shown else 0.0),
            }
        )
    return rows


@dataclass
class FairnessReport:
    k: int
    cases: int
    overall: dict[str, float]  # hr@k, ndcg@k over every customer
    groups: dict[str, dict[str, dict[str, float]]]
    gaps: dict[str, dict[str, Any]]
    exposure_by_brand: dict[str, dict[str, float]]
    deciles: list[dict[str, float]]
    gini_exposure: float
    gini_engagement: float
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def finite(value: Any) -> Any:  # JSON has no infinity
            if isinstance(value, float) and not np.isfinite(value):
                return None
            if isinstance(value, dict):
                return {k: finite(v) for k, v in value.items()}
            if isinstance(value, list):
                return [finite(v) for v in value]
            return value

        return finite(
            {
                "k": self.k,
                "cases": self.cases,
                "overall": self.overall,
                "groups": self.groups,
                "gaps": self.gaps,
                "exposure_by_brand": self.exposure_by_brand,
                "popularity_deciles": self.deciles,
                "gini_exposure": self.gini_exposure,
                "gini_engagement": self.gini_engagement,
                "notes": self.notes,
            }
        )

    def markdown(self) -> str:
        k = self.k
        lines = [f"# Fairness and exposure (top {k}, {self.cases} customers)", ""]
        lines += [
            f"Overall HR@{k} {self.overall[f'hr@{k}']:.4f}, NDCG@{k} {self.overall[f'ndcg@{k}']:.4f}.",
            "",
        ]
        lines += [
            "## Quality per customer group",
            "",
            f"| family | group | n | HR@{k} | NDCG@{k} |",
            "|---|---|---|---|---|",
        ]
        for family, table in self.groups.items():
            for group, row in table.items():
                lines.append(
                    f"| {family} | {group} | {row['n']:.0f} | {row[f'hr@{k}']:.4f} | {row[f'ndcg@{k}']:.4f} |"
                )
        lines += [
            "",
            "Largest gap per family (groups with at least 20 customers; a large p-value means labels "
            "shuffled at random give gaps as large, so the gap is not evidence of unequal quality):",
            "",
        ]
        for family, gap in self.gaps.items():
            lines.append(
                f"- {family}: NDCG@{k} {gap['best']} − {gap['worst']} = {gap['gap']:.4f} "
                f"(worst/best {gap['ratio']:.2f}, permutation p = {gap['p_value']:.3f}); "
                f"HR@{k} gap {gap['hr_gap']:.4f}"
            )
        lines += [
            "",
            "## Exposure per brand",
            "",
            "| brand | items | exposure share | engagement share | ratio |",
            "|---|---|---|---|---|",
        ]
        for group, row in self.exposure_by_brand.items():
            lines.append(
                f"| {group} | {row['items']:.0f} | {row['exposure_share']:.3f} | {row['engagement_share']:.3f} | {row['ratio']:.2f} |"
            )
        lines += [
            "",
            "## Exposure per popularity decile (1 = most engaged)",
            "",
            "| decile | items | exposure share | engagement share | ratio |",
            "|---|---|---|---|---|",
        ]
        for row in self.deciles:
            lines.append(
                f"| {row['decile']:.0f} | {row['items']:.0f} | {row['exposure_share']:.3f} | {row['engagement_share']:.3f} | {row['ratio']:.2f} |"
            )
        lines += [
            "",
            f"Gini of item exposure {self.gini_exposure:.3f} (of engagement {self.gini_engagement:.3f}).",
        ]
        lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines) + "\n"
