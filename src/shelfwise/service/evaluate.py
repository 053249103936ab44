"""Use case: offline evaluation of the next-item model on the store's own data (see
``shelfwise.training.evaluate_job``: it fits exactly what ``train`` fits)."""

from __future__ import annotations

from pathlib import Path

from shelfwise.evaluation import EvaluationReport
from shelfwise.evaluation import write_report as write_evaluation_report
from shelfwise.service.context import ServiceContext
from shelfwise.training.ctr_job import evaluate_impressions as _evaluate_impressions
from shelfwise.training.evaluate_job import EvaluateOptions, Protocol, evaluate_next_item
from shelfwise.training.ratings_job import RatingOptions, RatingsReport
from shelfwise.training.ratings_job import evaluate_ratings as evaluate_rating_model


def evaluate(ctx: ServiceContext, options: EvaluateOptions) -> EvaluationReport:
    return evaluate_next_item(ctx.settings, ctx.store, options)


def evaluate_ratings(ctx: ServiceContext, options: RatingOptions | None = None) -> RatingsReport:
    """Each customer's newest rating predicted from the earlier ones, beside three baselines."""
    return evaluate_rating_model(ctx.store, options)


def evaluate_impressions(ctx: ServiceContext, seed: int = 0, encoder: str | None = None) -> dict[str, float]:
    """The click model on the newest 20 % of impressions vs each item's past click-through."""
    return _evaluate_impressions(ctx.settings, ctx.store, encoder=encoder, seed=seed)


def write_report(report: EvaluationReport, directory: Path) -> Path:
    write_evaluation_report(report, directory)
    return directory


__all__ = [
    "EvaluateOptions",
    "Protocol",
    "RatingOptions",
    "RatingsReport",
    "evaluate",
    "evaluate_impressions",
    "evaluate_ratings",
    "write_report",
]
