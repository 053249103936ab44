"""The experiments use case on a real SQLite store, fake model versions and an in-memory log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from feedback_fake import MemoryFeedback

from shelfwise.domain import Event, Impression, Outcome, customer_id_for
from shelfwise.errors import ConflictError, NotFoundError, ValidationError
from shelfwise.experiments.assignment import assign
from shelfwise.experiments.report import PriorBehaviour
from shelfwise.service.context import ServiceContext
from shelfwise.service.experiments import ExperimentService, parse_stages_off, parse_traffic, parse_variants
from shelfwise.settings import Settings

VARIANTS = [("control", "v0001"), ("treatment", "v0002")]


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[ServiceContext]:
    context = ServiceContext(Settings(home=tmp_path / "home", store_url="memory://"))
    for version in ("v0001", "v0002", "v0003"):
        directory = context.models.root / version
        directory.mkdir(parents=True)
        status = "failed" if version == "v0003" else "ok"
        (directory / "manifest.json").write_text(
            json.dumps({"version": version, "created_at": 1.0, "status": status})
        )
    yield context
    context.close()


def test_create_checks_every_argument(ctx: ServiceContext) -> None:
    service = ExperimentService(ctx, MemoryFeedback())
    with pytest.raises(ValidationError, match="placement"):
        service.create("a", "basement", VARIANTS)
    with pytest.raises(NotFoundError, match="v0009"):
        service.create("a", "home", [("control", "v0001"), ("treatment", "v0009")])
    with pytest.raises(NotFoundError, match="v0003"):  # a failed training is no version to test
        service.create("a", "home", [("control", "v0001"), ("treatment", "v0003")])
    with pytest.raises(ValidationError, match="sum to 100"):
        service.create("a", "home", VARIANTS, [50, 40])
    with pytest.raises(ValidationError, match="treatment"):
        service.create("a", "home", VARIANTS[:1])
    with pytest.raises(ValidationError, match="name"):
        service.create("no spaces", "home", VARIANTS)
    with pytest.raises(ValidationError, match="exploration"):
        service.create("a", "home", VARIANTS, exploration=0.9)
    created = service.create("a", "home", VARIANTS, [30, 70], exploration=0.1)
    assert created.traffic == {"control": 0.3, "treatment": 0.7}
    with pytest.raises(ConflictError, match="already exists"):
        service.create("a", "cart", VARIANTS)
    with pytest.raises(ConflictError, match="already runs on placement 'home'"):
        service.create("b", "home", VARIANTS)
    assert [e.name for e in service.list("running")] == ["a"]


def test_a_variant_may_run_without_the_click_stage_but_cannot_be_shipped(ctx: ServiceContext) -> None:
    service = ExperimentService(ctx, MemoryFeedback())
    same = [("control", "v0001"), ("treatment", "v0001")]
    with pytest.raises(ValidationError, match="unknown scoring stage rerank"):
        service.create("a", "home", same, stages_off={"control": ["rerank"]})
    with pytest.raises(ValidationError, match="no variant 'other'"):
        service.create("a", "home", same, stages_off={"other": ["click"]})
    created = service.create("a", "home", same, stages_off={"control": ["click", "click"], "treatment": []})
    assert created.stages_off == {"control": ("click",)}
    assert service.get("a").stages_off == {"control": ("click",)}
    # Shipping pins a version, which serves every stage it has: the stage-less variant cannot ship.
    with pytest.raises(ConflictError, match="without click"):
        service.ship("a", "control")
    assert service.ship("a", "treatment").shipped_variant == "treatment"


def test_parsing_the_command_line_forms() -> None:
    assert parse_stages_off(["control=click", "b = click"]) == {"control": ("click",), "b": ("click",)}
    with pytest.raises(ValidationError, match="VARIANT=STAGE"):
        parse_stages_off(["control"])
    assert parse_variants(["control=v0003", " treatment = v0004"]) == [
        ("control", "v0003"),
        ("treatment", "v0004"),
    ]
    with pytest.raises(ValidationError, match="variant"):
        parse_variants(["control:v0003"])
    assert parse_traffic("50,50", 2) == [50.0, 50.0]
    assert parse_traffic(None, 2) is None
    with pytest.raises(ValidationError, match="traffic"):
        parse_traffic("50,a", 2)
    with pytest.raises(ValidationError, match="3 shares for 2"):
        parse_traffic("30,30,40", 2)


def _log(feedback: MemoryFeedback, name: str, at: float, customers: int, clicks_of: dict[str, int]) -> None:
    """Each customer is served one 10-item list under the variant the salt gives them; a variant's
    customers click ``clicks_of[variant]`` of their 10 items."""
    for n in range(customers):
        customer = f"c{n}"
        variant = assign(name_salt[name], customer, {"control": 0.5, "treatment": 0.5})
        request = f"r-{name}-{n}"
        feedback.append_impressions(
            [Impression(request, f"i{p}", p, "home", at, customer_id=customer, experiment=name, variant=variant)
             for p in range(10)]
        )  # fmt: skip
        feedback.record_outcomes(
            [Outcome(f"e-{request}-{p}", "click", request, f"i{p}", p, "home", at, customer, experiment=name)
             for p in range(clicks_of[variant])]
        )  # fmt: skip


name_salt: dict[str, str] = {}


def test_report_ship_and_stop(ctx: ServiceContext) -> None:
    feedback = MemoryFeedback()
    service = ExperimentService(ctx, feedback)
    experiment = service.create("hp", "home", VARIANTS)
    name_salt["hp"] = experiment.salt
    _log(feedback, "hp", experiment.created_at, 400, {"control": 1, "treatment": 2})
    report = service.report("hp")
    control, treatment = report["variants"]["control"], report["variants"]["treatment"]
    assert control["customers"] + treatment["customers"] == 400
    assert control["impressions"] == 10 * control["customers"] and control["clicks"] == control["customers"]
    assert treatment["ctr"] == 0.2 and control["ctr"] == 0.1
    assert report["decision"].startswith("treatment wins: CTR +100%")
    assert report["srm_p_value"] > 0.001

    shipped = service.ship("hp")
    assert (shipped.status, shipped.shipped_variant) == ("shipped", "treatment")
    assert ctx.models.active_version() == "v0002"
    with pytest.raises(ConflictError, match="already shipped"):
        service.stop("hp")

    tie = service.create("tie", "home", VARIANTS)
    name_salt["tie"] = tie.salt
    _log(feedback, "tie", tie.created_at, 200, {"control": 1, "treatment": 1})
    with pytest.raises(ConflictError, match="no treatment beats control"):
        service.ship("tie")
    assert service.stop("tie").status == "stopped"
    assert ctx.models.active_version() == "v0002"  # stopping changes nothing served


def test_cuped_covariate_comes_from_the_customers_events_before_the_start(ctx: ServiceContext) -> None:
    store = ctx.store
    store.append_events([
        ("k1", Event("u1", "purchase", 50.0, item_id="x", price=10.0, value=2.0)),
        ("k2", Event("u1", "click", 60.0, item_id="x")),
        ("k3", Event("u1", "click", 150.0, item_id="x")),  # after the start: not a covariate
        ("k4", Event("u2", "click", 10.0, item_id="x")),  # before the window
    ])  # fmt: skip
    # ingest creates an implicit account for every user first seen in events
    store.ensure_accounts([("u1", None), ("u2", None)], {u: customer_id_for(u) for u in ("u1", "u2")})
    service = ExperimentService(ctx, MemoryFeedback())
    prior = service.prior_behaviour([customer_id_for("u1"), customer_id_for("u2"), "anon"], 40.0, 100.0)
    assert prior == {customer_id_for("u1"): PriorBehaviour(clicks=1, purchases=1, revenue=20.0)}
