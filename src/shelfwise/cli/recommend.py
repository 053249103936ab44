"""``shelfwise recommend USER_ID -k 10`` and ``--users FILE --output OUT.jsonl``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from shelfwise.cli.common import EXIT_ERROR, context, err, print_ranked, ranked_json


def recommend(
    user_id: Annotated[str | None, typer.Argument(help="A user id (any channel) or customer id.")] = None,
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=1000, help="How many items.")] = 10,
    users: Annotated[Path | None, typer.Option(help="Batch: a file with one user id per line.")] = None,
    output: Annotated[Path | None, typer.Option(help="Batch: write JSON lines here.")] = None,
    include_purchased: Annotated[bool, typer.Option(help="Also recommend items already bought.")] = False,
    placement: Annotated[str, typer.Option(help="Whose business rules apply: home, product, cart.")] = "home",
    raw: Annotated[
        bool,
        typer.Option(help="Batch: the model's own order, without the shop's rules (offline evaluation)."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
    version: Annotated[
        str | None, typer.Option(help="Model version (default: the served one, honouring a rollback pin).")
    ] = None,
) -> None:
    """Next items for a customer, with a reason for each."""
    from shelfwise.service.lists import ListService

    service = ListService(context(), version)
    exclude = False if include_purchased else None
    if users is not None:
        ids = [line.strip() for line in users.read_text(encoding="utf-8").splitlines() if line.strip()]
        sink = open(output, "w", encoding="utf-8") if output else None  # noqa: SIM115 - closed below
        try:
            for uid, ranked in zip(
                ids, service.recommend_many(ids, k, exclude, apply_rules=not raw), strict=True
            ):
                line = json.dumps(ranked_json(ranked, user_id=uid), ensure_ascii=False)
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
    ranked = service.recommend(user_id, k, placement=placement, exclude_purchased=exclude)
    if as_json:
        typer.echo(json.dumps(ranked_json(ranked, user_id=user_id), ensure_ascii=False))
        return
    print_ranked(f"Recommendations for {user_id}:", ranked)
