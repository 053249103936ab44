"""Use case: A/B experiments between model versions (CLI ``shelfwise experiments``, HTTP
``/v1/admin/experiments``): create, list, stop, ship, report.

An experiment lives in the store; every write appends an ``experiments`` change, which a running
server follows (``ServingEngine.sync``) to load the versions the variants need and route each
customer of the placement to their variant. Shipping pins the winning variant's version in the
model store (what every server serves) and ends the experiment.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from shelfwise.domain import customer_id_for
from shelfwise.errors import ConflictError, NotFoundError, ValidationError
from shelfwise.experiments.report import ALPHA, PriorBehaviour, build_report, tally
from shelfwise.service.click_stage import STAGE_NAME as CLICK_STAGE
from shelfwise.service.context import ServiceContext
from shelfwise.settings.rules import PLACEMENTS
from shelfwise.storage.base import ExperimentRecord, FeedbackStore

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_EXPLORATION = 0.5  # beyond this the "experiment" mostly shows random items
SCORING_STAGES = (CLICK_STAGE,)  # what a variant may run without (``ListRequest.stages_off``)


def parse_variants(pairs: Sequence[str]) -> list[tuple[str, str]]:
    """``["control=v0003", "treatment=v0004"]`` → ``[("control", "v0003"), ("treatment", "v0004")]``."""
    out = []
    for pair in pairs:
        name, sep, version = pair.partition("=")
        if not sep or not name.strip() or not version.strip():
            raise ValidationError(f"expected NAME=VERSION, got {pair!r}", field="variant")
        out.append((name.strip(), version.strip()))
    return out


def parse_stages_off(pairs: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """``["control=click"]`` → ``{"control": ("click",)}`` (a variant may be named more than once)."""
    out: dict[str, tuple[str, ...]] = {}
    for pair in pairs:
        name, sep, stage = pair.partition("=")
        if not sep or not name.strip() or not stage.strip():
            raise ValidationError(f"expected VARIANT=STAGE, got {pair!r}", field="without")
        out[name.strip()] = (*out.get(name.strip(), ()), stage.strip())
    return out


def parse_traffic(text: str | None, variants: int) -> list[float] | None:
    """``"50,50"`` → ``[50.0, 50.0]`` (percentages); None: an even split."""
    if text is None:
        return None
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise ValidationError(
            f"expected comma-separated percentages, got {text!r}", field="traffic"
        ) from None
    if len(values) != variants:
        raise ValidationError(f"{len(values)} shares for {variants} variants", field="traffic")
    return values


class ExperimentService:
    def __init__(self, ctx: ServiceContext, feedback: FeedbackStore | None = None) -> None:
        self._ctx = ctx
        self._store = ctx.store
        # The feedback log (impressions and outcomes): the store itself unless a test hands one in.
        self._feedback: FeedbackStore = feedback or ctx.store

    # ----------------------------------------------------------------- writes
    def create(
        self,
        name: str,
        placement: str,
        variants: Sequence[tuple[str, str]],
        traffic: Sequence[float] | None = None,
        exploration: float = 0.0,
        stages_off: Mapping[str, Sequence[str]] | None = None,
    ) -> ExperimentRecord:
        """Start an experiment; the first variant is the control. ``traffic`` in percent (sum 100).
        ``stages_off``: variant → scoring stages it runs without (``{"control": ["click"]}``: one
        version with and without its click stage)."""
        if not _NAME.match(name):
            raise ValidationError("letters, digits, '.', '_' or '-' (at most 64)", field="name")
        if placement not in PLACEMENTS:
            raise ValidationError(
                f"unknown placement {placement!r}: one of {', '.join(PLACEMENTS)}", "placement"
            )
        if len(variants) < 2:  # before the shares: no variant would divide by zero
            raise ValidationError("an experiment needs a control and at least one treatment", field="variant")
        shares = self._shares(traffic, len(variants))
        self._check_variants(variants)
        if not 0.0 <= exploration <= MAX_EXPLORATION:
            raise ValidationError(f"a share between 0 and {MAX_EXPLORATION}", field="exploration")
        off = _check_stages_off(stages_off or {}, [variant for variant, _ in variants])
        record = ExperimentRecord(
            name=name,
            placement=placement,
            variants=dict(variants),
            traffic={variant: share for (variant, _), share in zip(variants, shares, strict=True)},
            salt=secrets.token_hex(8),
            status="running",
            created_at=time.time(),
            exploration=exploration,
            stages_off=off,
        )
        self._store.add_experiment(record)
        return record

    def _check_variants(self, variants: Sequence[tuple[str, str]]) -> None:
        if len(variants) < 2:
            raise ValidationError("an experiment needs a control and at least one treatment", field="variant")
        names = [variant for variant, _ in variants]
        if len(set(names)) != len(names):
            raise ValidationError(f"variant names repeat: {', '.join(names)}", field="variant")
        for variant, version in variants:
            if not _NAME.match(variant):
                raise ValidationError(f"bad variant name {variant!r}", field="variant")
            if not self._ctx.models.is_good(version):
                raise NotFoundError(f"variant {variant}: no good model version {version!r}")

    @staticmethod
    def _shares(traffic: Sequence[float] | None, count: int) -> list[float]:
        if traffic is None:
            return [1.0 / count] * count
        if len(traffic) != count:
            raise ValidationError(f"{len(traffic)} shares for {count} variants", field="traffic")
        if any(share < 0 for share in traffic) or abs(sum(traffic) - 100.0) > 1e-6:
            raise ValidationError(f"shares must be ≥ 0 and sum to 100, got {sum(traffic):g}", field="traffic")
        return [share / 100.0 for share in traffic]

    def stop(self, name: str) -> ExperimentRecord:
        """End the experiment: every customer gets the served version again."""
        self._running(name)
        self._store.end_experiment(name, "stopped", time.time())
        return self.get(name)

    def ship(self, name: str, variant: str | None = None) -> ExperimentRecord:
        """Serve ``variant``'s version (the report's winner when not named) and end the experiment."""
        experiment = self._running(name)
        if variant is None:
            variant = self.winner(experiment)
        if variant not in experiment.variants:
            raise ValidationError(f"no variant {variant!r} in {name}", field="variant")
        if experiment.stages_off.get(variant):
            # Shipping pins a version, and a version serves every stage it has.
            raise ConflictError(
                f"variant {variant} runs without {', '.join(experiment.stages_off[variant])}: a pinned "
                "version serves all its stages; switch the stage off in the settings instead"
            )
        self._ctx.models.pin(experiment.variants[variant])
        self._store.end_experiment(name, "shipped", time.time(), shipped_variant=variant)
        return self.get(name)

    def winner(self, experiment: ExperimentRecord) -> str:
        """The treatment whose CTR beats the control significantly (the report's decision)."""
        report = self.report(experiment.name)
        if report["srm_p_value"] is not None and report["srm_p_value"] < 0.001:
            raise ConflictError(f"{experiment.name}: the split fails the SRM check, no winner can be trusted")
        level = ALPHA / max(len(report["lift"]), 1)
        winners = [
            (lift["ctr"], treatment)
            for treatment, lift in report["lift"].items()
            if lift["ctr"] is not None
            and lift["ctr"] > 0
            and (p := report["p_value"][treatment]["ctr"]) is not None
            and p < level
        ]
        if not winners:
            raise ConflictError(
                f"{experiment.name}: no treatment beats {experiment.control} yet; name one with --variant"
            )
        return max(winners)[1]

    # ----------------------------------------------------------------- reads
    def get(self, name: str) -> ExperimentRecord:
        found = self._store.get_experiment(name)
        if found is None:
            raise NotFoundError(f"no experiment {name!r}")
        return found

    def list(self, status: str | None = None) -> list[ExperimentRecord]:
        return self._store.list_experiments(status)

    def _running(self, name: str) -> ExperimentRecord:
        experiment = self.get(name)
        if experiment.status != "running":
            raise ConflictError(f"experiment {name!r} is already {experiment.status}")
        return experiment

    def report(self, name: str, now: float | None = None) -> dict[str, Any]:
        experiment = self.get(name)
        end = experiment.stopped_at or now or time.time()
        impressions = self._feedback.iter_impressions(
            since=experiment.created_at, until=end, placement=experiment.placement
        )
        # Outcomes may come after the end (a click on a list served just before the stop).
        outcomes = self._feedback.iter_outcomes(since=experiment.created_at)
        tallies = tally(name, impressions, outcomes)
        customers = {customer for _, customer in tallies}
        window = end - experiment.created_at
        prior = self.prior_behaviour(customers, experiment.created_at - window, experiment.created_at)
        return build_report(experiment, tallies, prior)

    def prior_behaviour(
        self, customers: Iterable[str], since: float, until: float
    ) -> dict[str, PriorBehaviour]:
        """Each customer's clicks, purchases and revenue in [since, until) (CUPED's covariate)."""
        wanted = set(customers)
        users_of: dict[str, str] = {}  # user id → the report's customer key
        for account in self._store.iter_accounts():
            customer = account.customer_id or customer_id_for(account.user_id)
            if customer in wanted:
                users_of[account.user_id] = customer
        users_of.update({key: key for key in wanted if key not in users_of.values()})  # anonymous ids
        users = sorted(users_of)
        totals: dict[str, list[float]] = {}
        for start in range(0, len(users), 900):  # under SQLite's parameter limit
            chunk = users[start : start + 900]
            for stored in self._store.iter_events(types=("click", "purchase"), user_ids=chunk):
                event = stored.event
                if not since <= event.timestamp < until:
                    continue
                row = totals.setdefault(users_of[event.user_id], [0, 0, 0.0])
                if event.type == "click":
                    row[0] += 1
                else:
                    row[1] += 1
                    row[2] += (event.price or 0.0) * (event.value or 1.0)
        return {c: PriorBehaviour(int(r[0]), int(r[1]), r[2]) for c, r in totals.items()}


def _check_stages_off(
    stages_off: Mapping[str, Sequence[str]], variants: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    out = {}
    for variant, stages in stages_off.items():
        if variant not in variants:
            raise ValidationError(f"no variant {variant!r} to switch stages off for", field="without")
        unknown = sorted(set(stages) - set(SCORING_STAGES))
        if unknown:
            raise ValidationError(
                f"unknown scoring stage {', '.join(unknown)}: one of {', '.join(SCORING_STAGES)}",
                field="without",
            )
        if stages:
            out[variant] = tuple(dict.fromkeys(stages))
    return out


def experiment_dict(experiment: ExperimentRecord) -> dict[str, Any]:
    return {
        "name": experiment.name,
        "placement": experiment.placement,
        "status": experiment.status,
        "variants": experiment.variants,
        "traffic": {variant: round(share * 100, 4) for variant, share in experiment.traffic.items()},
        "control": experiment.control,
        "exploration": experiment.exploration,
        "created_at": experiment.created_at,
        "stopped_at": experiment.stopped_at,
        "shipped_variant": experiment.shipped_variant,
        "stages_off": {variant: list(stages) for variant, stages in experiment.stages_off.items()},
    }
