"""``shelfwise experiments create|list|stop|ship|report|estimate``: A/B tests between model versions."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from shelfwise.cli.common import context

if TYPE_CHECKING:
    from shelfwise.service.experiments import ExperimentService

app = typer.Typer(help="A/B experiments between model versions on live traffic.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _service() -> ExperimentService:
    from shelfwise.service.experiments import ExperimentService  # the command's own import

    return ExperimentService(context())


def _without(stages: tuple[str, ...]) -> str:
    return f" without {', '.join(stages)}" if stages else ""


def _echo_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False))


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="A name for the experiment (letters, digits, . _ -).")],
    placement: Annotated[str, typer.Option(help="home, product, cart or search.")],
    variant: Annotated[list[str], typer.Option(help="NAME=VERSION, repeated; the first is the control.")],
    traffic: Annotated[
        str | None, typer.Option(help="Percent per variant, e.g. 50,50 (default: even).")
    ] = None,
    exploration: Annotated[
        float, typer.Option(min=0.0, max=0.5, help="Share of slots shown at random, propensity logged.")
    ] = 0.0,
    without: Annotated[
        list[str] | None,
        typer.Option(help="VARIANT=STAGE, repeated: the variant runs without that scoring stage (click)."),
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Start an experiment; running servers route its placement within seconds."""
    from shelfwise.service.experiments import (
        experiment_dict,
        parse_stages_off,
        parse_traffic,
        parse_variants,
    )

    pairs = parse_variants(variant)
    created = _service().create(
        name,
        placement,
        pairs,
        parse_traffic(traffic, len(pairs)),
        exploration,
        parse_stages_off(without or []),
    )
    if json_output:
        _echo_json(experiment_dict(created))
        return
    split = ", ".join(
        f"{v}={created.variants[v]}{_without(created.stages_off.get(v, ()))} ({share * 100:g}%)"
        for v, share in created.traffic.items()
    )
    typer.echo(f"started {created.name} on {created.placement}: {split}")


@app.command("list")
def list_experiments(json_output: JsonFlag = False) -> None:
    """Every experiment, oldest first."""
    from shelfwise.service.experiments import experiment_dict

    found = _service().list()
    if json_output:
        _echo_json([experiment_dict(e) for e in found])
        return
    if not found:
        typer.echo("no experiments; start one with `shelfwise experiments create`")
    for e in found:
        variants = " vs ".join(f"{v}={version}" for v, version in e.variants.items())
        shipped = f" → {e.shipped_variant}" if e.shipped_variant else ""
        typer.echo(f"{e.name:<20} {e.status:<8}{shipped:<12} {e.placement:<8} {variants}")


@app.command("stop")
def stop(name: Annotated[str, typer.Argument(help="The experiment.")]) -> None:
    """End the experiment: every customer gets the served version again."""
    ended = _service().stop(name)
    typer.echo(f"stopped {ended.name}: {ended.placement} serves the active version to everyone")


@app.command("ship")
def ship(
    name: Annotated[str, typer.Argument(help="The experiment.")],
    variant: Annotated[
        str | None, typer.Option(help="The variant to serve (default: the report's winner).")
    ] = None,
) -> None:
    """Serve the winning variant's version to everyone (pinned) and end the experiment."""
    shipped = _service().ship(name, variant)
    version = shipped.variants[str(shipped.shipped_variant)]
    typer.echo(f"shipped {shipped.shipped_variant} of {shipped.name}: serving {version}")


@app.command("report")
def report(
    name: Annotated[str, typer.Argument(help="The experiment.")], json_output: JsonFlag = False
) -> None:
    """Per variant traffic and outcomes, each treatment's lift with 95 % CI and p-value, SRM, a decision."""
    found = _service().report(name)
    if json_output:
        _echo_json(found)
        return
    typer.echo(render_report(found))


def render_report(found: dict[str, Any]) -> str:
    from shelfwise.experiments.report import p_text

    lines = [f"experiment {found['experiment']} ({found['status']}, placement {found['placement']})"]
    columns = ("customers", "requests", "impressions", "clicks", "ctr", "purchases", "conversion", "revenue")
    lines.append(f"{'variant':<14}{'version':<9}" + "".join(f"{c:>12}" for c in columns))
    for name, row in found["variants"].items():
        cells = "".join(f"{_cell(row[c]):>12}" for c in columns)
        off = "".join(f" -{stage}" for stage in row.get("stages_off", ()))
        lines.append(f"{name:<14}{(row['model_version'] or '-') + off:<9}{cells}")
    for treatment, lifts in found["lift"].items():
        for metric, value in lifts.items():
            interval, p = found["ci95"][treatment][metric], found["p_value"][treatment][metric]
            ci = f"[{interval[0]:+.1%}, {interval[1]:+.1%}]" if interval else "-"
            shown = f"{value:+.1%}" if value is not None else "-"
            tested = p_text(p) if p is not None else "p=-"
            lines.append(
                f"  {treatment} vs {found['control']}: {metric:<22}{shown:>9}  95% CI {ci}  {tested}"
            )
    srm = found["srm_p_value"]
    lines.append(
        f"sample-ratio check p={srm:.3g}" if srm is not None else "sample-ratio check: no customers yet"
    )
    lines.append(f"decision: {found['decision']}")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}" if value < 1 else f"{value:.2f}"
    return str(value)


@app.command("estimate")
def estimate(
    version: Annotated[str, typer.Option(help="The model version to estimate, e.g. v0004.")],
    placement: Annotated[str | None, typer.Option(help="Only lists of this placement.")] = None,
    experiment: Annotated[str | None, typer.Option(help="Only the lists this experiment logged.")] = None,
    json_output: JsonFlag = False,
) -> None:
    """Off-policy estimate of a version's CTR on lists logged with exploration (SNIPS, 95 % CI)."""
    from shelfwise.service.offpolicy import OffPolicyService

    found = OffPolicyService(context()).estimate(version, placement=placement, experiment=experiment)
    if json_output:
        _echo_json(found)
        return
    if found["ctr"] is None:
        typer.echo(
            f"{version}: none of its items landed in a logged slot; no estimate (log more exploration)"
        )
        return
    # One matched list gives a CTR but no spread to build an interval from.
    spread = (
        "no interval from one list"
        if found["ci95"] is None
        else "95% CI {:.4f}…{:.4f}".format(*found["ci95"])
    )
    typer.echo(
        f"{version}: estimated CTR {found['ctr']:.4f} ({spread}) from {found['requests']} "
        f"logged lists, {found['matched_slots']} of {found['slots']} slots matched "
        f"(worth {found['effective_slots']:g} on-policy slots); logged CTR {found['logged_ctr']:.4f}"
    )
