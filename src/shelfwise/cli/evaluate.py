"""``shelfwise evaluate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shelfwise.cli.common import context


def evaluate(
    protocol: Annotated[str, typer.Option(help="loo (leave-one-out) or temporal.")] = "loo",
    model: Annotated[str, typer.Option(help="candidate_ranker, transitions or popularity.")] = "candidate_ranker",
    output: Annotated[Path, typer.Option(help="Directory for metrics.json, report.md and plots.")] = Path("evaluation"),
    max_minutes: Annotated[float, typer.Option()] = 20.0,
    seed: Annotated[int, typer.Option()] = 0,
    encoder: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Fit a fresh model on a split of the store's data and report HR/NDCG/MRR, coverage, novelty, segments."""
    from shelfwise.service.evaluate import EvaluateOptions, write_report
    from shelfwise.service.evaluate import evaluate as run

    if protocol not in ("loo", "temporal"):
        raise typer.BadParameter("protocol must be loo or temporal")
    report = run(
        context(),
        EvaluateOptions(protocol=protocol, model=model, seed=seed, max_minutes=max_minutes, encoder=encoder),  # type: ignore[arg-type]
    )
    write_report(report, output)
    for name, value in sorted(report.metrics.items()):
        typer.echo(f"{name:>12}: {value:.4f}")
    typer.echo(f"report: {output / 'report.md'}")
