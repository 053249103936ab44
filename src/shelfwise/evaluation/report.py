"""The evaluation report: one pydantic record, written as metrics.json, report.md and PNG plots."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field


class EvaluationReport(BaseModel):
    """Everything one offline evaluation run measured, keyed so it diffs cleanly between runs.

    ``metrics`` keys look like ``hr@10``, ``ndcg@10``, ``mrr@10``; ``coverage`` / ``novelty`` /
    ``diversity`` are keyed by K as ``"@10"``; ``segments`` maps ``family:bucket`` to
    ``{n, hr@k, ndcg@k, mrr@k}`` at ``segment_k``.
    """

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    model_name: str = "unnamed"
    model_version: str = ""
    split: str = ""
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    n_cases: int = Field(ge=0)
    n_items: int = Field(ge=0)
    k_values: list[int]
    metrics: dict[str, float]
    coverage: dict[str, float] = Field(default_factory=dict)
    novelty: dict[str, float] = Field(default_factory=dict)
    diversity: dict[str, float] = Field(default_factory=dict)
    segment_k: int = 10
    segments: dict[str, dict[str, float]] = Field(default_factory=dict)
    mean_rank: float | None = None
    median_rank: float | None = None
    notes: list[str] = Field(default_factory=list)


def _markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(report: EvaluationReport) -> str:
    """A readable summary: overall metrics by K, beyond-accuracy metrics, segments."""
    version = f" {report.model_version}" if report.model_version else ""
    parts = [
        f"# Evaluation: {report.model_name}{version}",
        "",
        f"- split: {report.split or 'n/a'}",
        f"- cases: {report.n_cases}, catalog items: {report.n_items}",
        f"- created: {report.created_at.isoformat()}",
    ]
    if report.mean_rank is not None and report.median_rank is not None:
        parts.append(
            f"- target rank: mean {report.mean_rank:.1f}, median {report.median_rank:.1f} (ties count against)"
        )
    parts += ["", "## Accuracy (full ranking, history excluded)", ""]
    rows = []
    for k in report.k_values:
        rows.append(
            [str(k)]
            + [f"{report.metrics.get(f'{name}@{k}', float('nan')):.4f}" for name in ("hr", "ndcg", "mrr")]
            + [
                f"{report.coverage.get(f'@{k}', float('nan')):.4f}",
                f"{report.novelty.get(f'@{k}', float('nan')):.2f}",
            ]
        )
    parts.append(_markdown_table(["K", "HR@K", "NDCG@K", "MRR@K", "coverage", "novelty (bits)"], rows))
    if report.diversity:
        parts += [
            "",
            "Intra-list diversity: "
            + ", ".join(f"{key} {value:.4f}" for key, value in report.diversity.items()),
        ]
    if report.segments:
        k = report.segment_k
        parts += ["", f"## Segments (K = {k})", ""]
        seg_rows = [
            [name, str(int(values.get("n", 0)))]
            + [f"{values.get(f'{metric}@{k}', float('nan')):.4f}" for metric in ("hr", "ndcg", "mrr")]
            for name, values in report.segments.items()
        ]
        parts.append(_markdown_table(["segment", "n", f"HR@{k}", f"NDCG@{k}", f"MRR@{k}"], seg_rows))
    if report.notes:
        parts += ["", "## Notes", ""] + [f"- {note}" for note in report.notes]
    return "\n".join(parts) + "\n"


def _plot_metrics_vs_k(report: EvaluationReport, path: Path) -> None:
    # The object-oriented Figure API renders through Agg without pyplot's global state (safe in servers).
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5, 3.5))
    axes = figure.subplots()
    for name, label in (("hr", "HR@K"), ("ndcg", "NDCG@K")):
        axes.plot(
            report.k_values,
            [report.metrics.get(f"{name}@{k}", 0.0) for k in report.k_values],
            marker="o",
            label=label,
        )
    axes.set_xlabel("K")
    axes.set_ylabel("score")
    axes.set_xticks(report.k_values)
    axes.set_title(f"{report.model_name}: accuracy vs K")
    axes.legend()
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def _plot_segments(report: EvaluationReport, path: Path) -> None:
    # The object-oriented Figure API renders through Agg without pyplot's global state (safe in servers).
    from matplotlib.figure import Figure

    k = report.segment_k
    names = list(report.segments)
    figure = Figure(figsize=(max(5.0, 0.6 * len(names) + 2), 4))
    axes = figure.subplots()
    positions = np.arange(len(names))
    width = 0.4
    axes.bar(
        positions - width / 2, [report.segments[n].get(f"hr@{k}", 0.0) for n in names], width, label=f"HR@{k}"
    )
    axes.bar(
        positions + width / 2,
        [report.segments[n].get(f"ndcg@{k}", 0.0) for n in names],
        width,
        label=f"NDCG@{k}",
    )
    axes.set_xticks(positions)
    axes.set_xticklabels(
        [f"{n}\n(n={int(report.segments[n].get('n', 0))})" for n in names],
        rotation=45,
        ha="right",
        fontsize=7,
    )
    axes.set_title(f"{report.model_name}: segments at K = {k}")
    axes.legend()
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def write_report(report: EvaluationReport, out_dir: Path | str) -> list[Path]:
    """Write metrics.json, report.md, metrics_vs_k.png and (with segments) segments.png; return the paths."""
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    written = [directory / "metrics.json", directory / "report.md"]
    written[0].write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    written[1].write_text(render_markdown(report), encoding="utf-8")
    if report.k_values:
        _plot_metrics_vs_k(report, directory / "metrics_vs_k.png")
        written.append(directory / "metrics_vs_k.png")
    if report.segments:
        _plot_segments(report, directory / "segments.png")
        written.append(directory / "segments.png")
    return written


def load_report(path: Path | str) -> EvaluationReport:
    """Read a ``metrics.json`` (or the directory holding it) back into an :class:`EvaluationReport`."""
    location = Path(path)
    if location.is_dir():
        location = location / "metrics.json"
    return EvaluationReport.model_validate_json(location.read_text(encoding="utf-8"))
