"""``shelfwise export ubi DIR``: the feedback log in OpenSearch's User Behavior Insights format."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from shelfwise.cli.common import context


class ExportFormat(StrEnum):
    ubi = "ubi"


def export(
    fmt: Annotated[
        ExportFormat, typer.Argument(metavar="FORMAT", help="ubi: ubi_queries.jsonl + ubi_events.jsonl.")
    ],
    directory: Annotated[Path, typer.Argument(help="Where to write the files (created if missing).")],
    since: Annotated[
        str | None, typer.Option(help="Only lists served from this day or time (ISO 8601).")
    ] = None,
) -> None:
    """Write what was served (impressions) and what it earned (outcomes) for other tools to read."""
    from shelfwise.ingest.records import parse_timestamp
    from shelfwise.service.ubi import UbiService

    start = None if since is None else parse_timestamp(since, "since")
    done = UbiService(context()).export(directory, start)
    typer.echo(f"{done.queries}: {done.lists} lists")
    typer.echo(f"{done.events}: {done.event_count} events")
