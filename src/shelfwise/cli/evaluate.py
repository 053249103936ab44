"""``shelfwise evaluate``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from shelfwise.cli.common import context


def evaluate(
    protocol: Annotated[
        str,
        typer.Option(
            help="loo (leave-one-out) or temporal: the next-item model; impressions: the click model "
            "on the newest 20% of logged impressions; ratings: each customer's newest rating."
        ),
    ] = "loo",
    model: Annotated[
        str, typer.Option(help="candidate_ranker, transitions or popularity.")
    ] = "candidate_ranker",
    output: Annotated[Path, typer.Option(help="Directory for metrics.json, report.md and plots.")] = Path(
        "evaluation"
    ),
    max_minutes: Annotated[float, typer.Option()] = 20.0,
    seed: Annotated[int, typer.Option()] = 0,
    encoder: Annotated[str | None, typer.Option()] = None,
    fairness: Annotated[
        bool, typer.Option(help="Also report quality per customer group and exposure per brand/popularity.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as one JSON object.")] = False,
) -> None:
    """Fit a fresh model on a split of the store's data and report HR/NDCG/MRR, coverage, novelty, segments
    (``--protocol impressions``: AUC, log loss and calibration of the click model against each item's
    past click-through rate; ``--protocol ratings``: MAE/RMSE of rating prediction beside its baselines)."""
    from shelfwise.service.evaluate import EvaluateOptions, write_report
    from shelfwise.service.evaluate import evaluate as run

    if protocol not in ("loo", "temporal", "impressions", "ratings"):
        raise typer.BadParameter("protocol must be loo, temporal, impressions or ratings")
    if protocol == "impressions":
        _impressions(seed, encoder, as_json)
        return
    if protocol == "ratings":
        _ratings(as_json)
        return
    report = run(
        context(),
        EvaluateOptions(protocol=protocol, model=model, seed=seed, max_minutes=max_minutes, encoder=encoder),  # type: ignore[arg-type]
    )
    write_report(report, output)
    if as_json:
        typer.echo(json.dumps(report.metrics))
        return
    for name, value in sorted(report.metrics.items()):
        typer.echo(f"{name:>12}: {value:.4f}")
    typer.echo(f"report: {output / 'report.md'}")
    if fairness:
        _fairness(model, seed, max_minutes, output)


def _ratings(as_json: bool) -> None:
    from shelfwise.service.evaluate import evaluate_ratings

    report = evaluate_ratings(context())
    if as_json:
        typer.echo(json.dumps(report.to_json()))
        return
    typer.echo(
        f"{report.ratings} held-out ratings (each customer's newest), {report.train_ratings} to learn from"
    )
    typer.echo(f"{'model':>16}  {'MAE':>6}  {'RMSE':>6}")
    rows = {f"biased MF (k={report.model['factors']})": {"mae": report.mae, "rmse": report.rmse}}
    for name, errors in {**rows, **report.baselines}.items():
        typer.echo(f"{name:>16}  {errors['mae']:6.4f}  {errors['rmse']:6.4f}")


def _impressions(seed: int, encoder: str | None, as_json: bool) -> None:
    from shelfwise.service.evaluate import evaluate_impressions

    metrics = evaluate_impressions(context(), seed=seed, encoder=encoder)  # errors: one line, exit 2
    if as_json:
        typer.echo(json.dumps(metrics))
        return
    typer.echo(f"held-out impressions: {metrics['impressions']:.0f} (click rate {metrics['click_rate']:.4f})")
    typer.echo(f"{'':>14} {'AUC':>8} {'logloss':>8} {'ECE':>8}")
    typer.echo(f"{'click model':>14} {metrics['auc']:8.4f} {metrics['logloss']:8.4f} {metrics['ece']:8.4f}")
    typer.echo(
        f"{'item CTR':>14} {metrics['baseline_auc']:8.4f} {metrics['baseline_logloss']:8.4f} "
        f"{metrics['baseline_ece']:8.4f}"
    )


def _fairness(model: str, seed: int, max_minutes: float, output: Path) -> None:
    from shelfwise.service.fairness import FairnessOptions, fairness_report, save_report

    ctx = context()
    report = fairness_report(ctx, FairnessOptions(model=model, seed=seed, max_minutes=max_minutes))
    save_report(ctx, report, output)
    k = report.k
    for family, gap in report.gaps.items():
        typer.echo(
            f"{family:>16}: NDCG@{k} gap {gap['gap']:.4f} ({gap['best']} best, {gap['worst']} worst; "
            f"worst/best {gap['ratio']:.2f}; permutation p {gap['p_value']:.3f})"
        )
    top = next(iter(report.exposure_by_brand.items()), None)
    if top is not None:
        typer.echo(
            f"{'top brand':>16}: {top[0]} takes {top[1]['exposure_share']:.1%} of slots for "
            f"{top[1]['engagement_share']:.1%} of engagement"
        )
    typer.echo(f"{'gini':>16}: exposure {report.gini_exposure:.3f}, engagement {report.gini_engagement:.3f}")
    typer.echo(f"fairness: {output / 'fairness.md'}")
