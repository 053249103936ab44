"""``shelfwise ingest items|users|events PATH``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from shelfwise.cli.common import EXIT_REJECTED, context, err

MAX_REPORTED = 50


class Kind(StrEnum):
    items = "items"
    users = "users"
    events = "events"
    ubi = "ubi"


def ingest(
    kind: Annotated[
        Kind,
        typer.Argument(
            help="What the file holds: items (catalog), users (accounts), events, or ubi (OpenSearch "
            "User Behavior Insights: ubi_queries + ubi_events JSON lines, a file or a directory)."
        ),
    ],
    path: Annotated[Path, typer.Argument(help=".jsonl, .csv, .tsv or .parquet, optionally .gz")],
    channel: Annotated[
        str | None, typer.Option(help="Channel for rows that name none (web, app, store, social...).")
    ] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="Rename/map foreign columns: SRC=DST, SRC=DST{a:x;b:y}, DST:=VALUE (comma-separated, repeatable).",
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option(help="Reject the whole file (store nothing) if any row is bad.")
    ] = False,
) -> None:
    """Load a file into the store. Re-ingesting the same file changes nothing."""
    from shelfwise.service.ingest import IngestService

    if kind is Kind.ubi:
        _ingest_ubi(path)
        return
    report = IngestService(context()).ingest_file(
        kind.value, path, map_ or [], channel=channel, strict=strict
    )
    for rejection in report.rejected[:MAX_REPORTED]:
        err(f"{path}:{rejection.line}: rejected: {rejection.reason}")
    if len(report.rejected) > MAX_REPORTED:
        err(f"... and {len(report.rejected) - MAX_REPORTED} more rejected rows")
    if report.aborted:
        err(f"{path}: --strict: {len(report.rejected)} bad rows, nothing stored")
    typer.echo(
        f"{kind.value}: {report.rows} rows read, {report.stored} stored, {report.unchanged} unchanged, "
        f"{len(report.rejected)} rejected"
    )
    if report.rejected:
        raise typer.Exit(EXIT_REJECTED)


def _ingest_ubi(path: Path) -> None:
    from shelfwise.service.ubi import UbiService

    report = UbiService(context()).ingest(path)
    for rejection in report.rejected[:MAX_REPORTED]:
        err(f"{rejection.source}:{rejection.line}: rejected: {rejection.reason}")
    if len(report.rejected) > MAX_REPORTED:
        err(f"... and {len(report.rejected) - MAX_REPORTED} more rejected documents")
    typer.echo(
        f"ubi: {report.documents} documents read, {report.lists} lists ({report.impressions} impressions stored), "
        f"{report.events} events stored, {report.skipped} skipped (actions with no Shelfwise meaning), "
        f"{len(report.rejected)} rejected"
    )
    if report.rejected:
        raise typer.Exit(EXIT_REJECTED)
