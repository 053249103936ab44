"""``shelfwise recommend USER_ID -k 10`` and ``--users FILE --output OUT.jsonl``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from shelfwise.cli.common import EXIT_ERROR, context, err, items_json, print_ranked


def recommend(
    user_id: Annotated[str | None, typer.Argument(help="A user id (any channel) or customer id.")] = None,
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=1000, help="How many items.")] = 10,
    users: Annotated[Path | None, typer.Option(help="Batch: a file with one user id per line.")] = None,
    output: Annotated[Path | None, typer.Option(help="Batch: write JSON lines here.")] = None,
    include_purchased: Annotated[bool, typer.Option(help="Also recommend items already bought.")] = False,
    version: Annotated[str | None, typer.Option(help="Model version (default: newest good one).")] = None,
) -> None:
    """Next items for a customer, with a reason for each."""
    from shelfwise.service.recommend import RecommendService

    service = RecommendService(context(), version)
    exclude = False if include_purchased else None
    if users is not None:
        ids = [line.strip() for line in users.read_text(encoding="utf-8").splitlines() if line.strip()]
        sink = open(output, "w", encoding="utf-8") if output else None  # noqa: SIM115 - closed below
        try:
            for uid, items in service.recommend_many(ids, k, exclude):
                line = json.dumps({"user_id": uid, "items": items_json(items)}, ensure_ascii=False)
                if sink:
                    sink.write(line + "\n")
                else:
                    typer.echo(line)
        finally:
            if sink:
                sink.close()
        if output:
            typer.echo(f"wrote recommendations for {len(ids)} users to {output}")
        return
    if user_id is None:
        err("give a USER_ID or --users FILE")
        raise typer.Exit(EXIT_ERROR)
    print_ranked(f"Recommendations for {user_id}:", service.recommend(user_id, k, exclude))
