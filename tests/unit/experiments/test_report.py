"""The experiment report on tiny logs whose counts are known."""

from __future__ import annotations

import pytest

from shelfwise.domain import Impression, Outcome
from shelfwise.experiments.report import CustomerTally, PriorBehaviour, build_report, tally
from shelfwise.storage.base import ExperimentRecord

EXPERIMENT = ExperimentRecord(
    "hp", "home", {"control": "v0001", "treatment": "v0002"}, {"control": 0.5, "treatment": 0.5},
    "salt", "running", 0.0,
)  # fmt: skip


def _list(request: str, customer: str | None, variant: str, items: int, origin: str = "server", user: str | None = None) -> list[Impression]:  # fmt: skip
    return [
        Impression(
            request,
            f"i{p}",
            p,
            "home",
            10.0,
            user_id=user,
            customer_id=customer,
            experiment="hp",
            variant=variant,
            origin=origin,
        )
        for p in range(items)
    ]


def _outcome(event: str, kind: str, request: str, revenue: float = 0.0, experiment: str = "hp") -> Outcome:
    return Outcome(event, kind, request, "i0", 0, "home", 20.0, experiment=experiment, revenue=revenue)


def test_tally_counts_lists_items_and_credits_per_customer() -> None:
    impressions = [
        *_list("r1", "c1", "control", 3),
        *_list("r2", "c1", "control", 3),
        *_list("r2", "c1", "control", 2, origin="client"),  # the front end rendered only two
        *_list("r3", None, "treatment", 4, user="anon-7"),
        *_list("r4", "c9", "treatment", 5)[:0],
        Impression("rx", "i1", 0, "home", 1.0, customer_id="c1"),  # outside any experiment
    ]
    outcomes = [
        _outcome("e1", "click", "r1"),
        _outcome("e2", "purchase", "r1", revenue=12.5),
        _outcome("e3", "click", "r3"),
        _outcome("e4", "add_to_cart", "r3"),
        _outcome("e5", "click", "rx"),  # credited to a list outside the experiment
        _outcome("e6", "click", "r1", experiment="other"),
    ]
    found = tally("hp", impressions, outcomes)
    assert set(found) == {("control", "c1"), ("treatment", "anon-7")}
    c1 = found["control", "c1"]
    assert (c1.requests, c1.impressions, c1.clicks, c1.purchases, c1.revenue) == ({"r1", "r2"}, 5, 1, 1, 12.5)
    anon = found["treatment", "anon-7"]
    assert (anon.impressions, anon.clicks, anon.carts, anon.purchases) == (4, 1, 1, 0)


def _population(variant: str, customers: int, impressions: int, clicks: int, buyers: int) -> dict[tuple[str, str], CustomerTally]:  # fmt: skip
    """``customers`` customers sharing the impressions and clicks evenly; the first ``buyers`` buy once for 10."""
    out = {}
    for n in range(customers):
        entry = CustomerTally(variant, {f"{variant}-{n}"}, impressions // customers, clicks // customers)
        if n < buyers:
            entry.purchases, entry.revenue = 1, 10.0
        out[variant, f"{variant}-c{n}"] = entry
    return out


def test_report_keys_counts_and_a_winning_treatment() -> None:
    tallies = {**_population("control", 100, 1000, 400, 10), **_population("treatment", 100, 1000, 600, 20)}
    report = build_report(EXPERIMENT, tallies)
    assert {"experiment", "variants", "lift", "ci95", "p_value", "srm_p_value", "decision"} <= set(report)
    control, treatment = report["variants"]["control"], report["variants"]["treatment"]
    assert {k: control[k] for k in ("customers", "requests", "impressions", "clicks", "purchases", "revenue")} == {
        "customers": 100, "requests": 100, "impressions": 1000, "clicks": 400, "purchases": 10, "revenue": 100.0,
    }  # fmt: skip
    assert (treatment["ctr"], treatment["conversion"], control["conversion"]) == (0.6, 0.2, 0.1)
    assert report["srm_p_value"] == pytest.approx(1.0)
    assert report["lift"]["treatment"]["conversion"] == pytest.approx(1.0)


def test_decision_names_the_winner_with_its_interval() -> None:
    tallies = {}
    for variant, clicks in (("control", 40), ("treatment", 60)):
        for n in range(10):  # 10 customers × 100 impressions; clicks spread over them
            tallies[variant, f"{variant}{n}"] = CustomerTally(variant, {f"{variant}{n}"}, 100, clicks // 10)
    report = build_report(EXPERIMENT, tallies)
    assert report["lift"]["treatment"]["ctr"] == pytest.approx(0.5)
    assert report["p_value"]["treatment"]["ctr"] == pytest.approx(0.04016, abs=1e-4)
    assert report["decision"] == "treatment wins: CTR +50% (95% CI +2%…+122%), p=0.04"


def test_no_difference_and_losing_treatments_are_said_plainly() -> None:
    same = {**_population("control", 50, 5000, 250, 0), **_population("treatment", 50, 5000, 250, 0)}
    assert build_report(EXPERIMENT, same)["decision"].startswith(
        "no detectable difference yet between treatment and control: CTR +0%"
    )
    close = {**_population("control", 50, 10000, 500, 0), **_population("treatment", 50, 10000, 550, 0)}
    assert build_report(EXPERIMENT, close)["decision"] == (
        "no detectable difference yet between treatment and control: CTR +10% (95% CI -2%…+24%), p=0.11"
    )
    worse = {**_population("control", 50, 5000, 500, 0), **_population("treatment", 50, 5000, 250, 0)}
    assert build_report(EXPERIMENT, worse)["decision"].startswith("control wins over treatment: CTR -50%")


def test_a_broken_split_overrides_the_lift() -> None:
    tallies = {**_population("control", 550, 5500, 0, 0), **_population("treatment", 450, 4500, 450, 0)}
    report = build_report(EXPERIMENT, tallies)
    assert report["srm_p_value"] == pytest.approx(0.0015654, abs=1e-6)  # not below 0.001: trusted
    tallies = {**_population("control", 600, 6000, 0, 0), **_population("treatment", 400, 4000, 400, 0)}
    report = build_report(EXPERIMENT, tallies)
    assert report["decision"].startswith("SRM: do not trust this split (customers 600/400, configured 50/50")


def test_cuped_uses_each_customers_pre_experiment_revenue() -> None:
    tallies, prior = {}, {}
    for variant, bonus in (("control", 0.0), ("treatment", 2.0)):
        for n in range(40):
            customer = f"{variant}{n}"
            habit = float(n % 10) * 10  # big differences between shoppers, stable over time
            entry = CustomerTally(variant, {customer}, 10)
            entry.purchases, entry.revenue = 1, habit + bonus + (n % 3)
            tallies[variant, customer] = entry
            prior[customer] = PriorBehaviour(revenue=habit)
    plain = build_report(EXPERIMENT, tallies)
    adjusted = build_report(EXPERIMENT, tallies, prior)
    assert adjusted["cuped"]["revenue_per_customer"]["variance_reduction"] > 0.9
    assert plain["cuped"]["revenue_per_customer"]["variance_reduction"] == 0.0
    assert adjusted["p_value"]["treatment"]["revenue_per_customer"] < 0.001
    assert plain["p_value"]["treatment"]["revenue_per_customer"] > 0.3
