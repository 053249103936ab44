"""``shelfwise online-metrics``: what each placement, model version and variant earns online."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from shelfwise.cli.common import context

_COLUMNS = (
    ("requests", "requests", "{:d}"),
    ("impressions", "impr", "{:d}"),
    ("clicks", "clicks", "{:d}"),
    ("ctr", "CTR", "{:.2%}"),
    ("carts", "carts", "{:d}"),
    ("purchases", "buys", "{:d}"),
    ("conversion", "conv", "{:.2%}"),
    ("revenue", "revenue", "{:.2f}"),
    ("revenue_per_mille", "rev/1000", "{:.2f}"),
)


def online_metrics(
    since: Annotated[
        str | None, typer.Option(help="From this day or time (ISO 8601) or epoch second.")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Up to (not including) this day or time.")] = None,
    by: Annotated[
        str | None,
        typer.Option(
            help="Group by any of placement,model_version,variant,day (comma-separated; default all)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Requests, impressions, clicks, CTR, carts, purchases, conversion, revenue and revenue per 1,000
    impressions from the feedback log, each rate with its 95 % interval (docs/feedback.md)."""
    from shelfwise.service.online_metrics import online_metrics_report  # scipy: only for this command

    report = online_metrics_report(context().store, since, until, by)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    if not report["rows"]:
        typer.echo("no impressions logged in this period")
        return
    for row in report["rows"]:
        group = "  ".join(f"{name}={row[name] if row[name] is not None else '-'}" for name in report["by"])
        typer.echo(group)
        typer.echo("  " + "  ".join(f"{label} {fmt.format(row[key])}" for key, label, fmt in _COLUMNS))
        typer.echo(
            f"  95%: CTR {_span(row['ctr_ci95'], '{:.2%}')}  conv {_span(row['conversion_ci95'], '{:.2%}')}"
            f"  rev/1000 {_span(row['revenue_per_mille_ci95'], '{:.2f}')}"
        )


def _span(bounds: list[Any], fmt: str) -> str:
    low, high = bounds
    if low is None or high is None:
        return "n/a"
    return f"[{fmt.format(low)}, {fmt.format(high)}]"
