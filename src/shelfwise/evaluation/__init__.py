"""Offline evaluation: splits, metrics as pure functions, per-segment breakdowns and reports.

Typical use::

    split = leave_one_out(sequences)
    report = evaluate_scores(model.score, split.test_cases(), item_popularity=train_counts)
    write_report(report, "runs/sasrec")
"""

from shelfwise.evaluation.metrics import (
    auc,
    coverage,
    diversity,
    hit_rate_at_k,
    logloss,
    mae,
    mrr_at_k,
    ndcg_at_k,
    novelty,
    rank_of_target,
    recall_at_k,
    rmse,
    target_ranks,
)
from shelfwise.evaluation.report import EvaluationReport, load_report, write_report
from shelfwise.evaluation.runner import ScoreFn, evaluate_scores
from shelfwise.evaluation.segments import segment_breakdown
from shelfwise.evaluation.splits import (
    EvalCases,
    Events,
    LeaveOneOutSplit,
    TemporalSplit,
    leave_one_out,
    temporal_split,
)

__all__ = [
    "EvalCases",
    "EvaluationReport",
    "Events",
    "LeaveOneOutSplit",
    "ScoreFn",
    "TemporalSplit",
    "auc",
    "coverage",
    "diversity",
    "evaluate_scores",
    "hit_rate_at_k",
    "leave_one_out",
    "load_report",
    "logloss",
    "mae",
    "mrr_at_k",
    "ndcg_at_k",
    "novelty",
    "rank_of_target",
    "recall_at_k",
    "rmse",
    "segment_breakdown",
    "target_ranks",
    "temporal_split",
    "write_report",
]
