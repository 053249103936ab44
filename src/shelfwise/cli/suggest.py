"""``shelfwise suggest PREFIX [--k 5] [--user ID] [--json]``: completions of a partly typed query."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from shelfwise.cli.common import context


def suggest(
    prefix: Annotated[str, typer.Argument(help="What the shopper has typed so far.")],
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=50, help="How many suggestions.")] = 5,
    user: Annotated[str | None, typer.Option("--user", help="Personalise for this user or customer.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Complete a query from successful past searches and catalog phrases (typo-tolerant)."""
    from shelfwise.service.suggest import SuggestService

    found = SuggestService(context()).suggest(prefix, k, user)
    if json_output:
        typer.echo(
            json.dumps(
                {"suggestions": [{"text": s.text, "score": s.score, "source": s.source} for s in found]},
                ensure_ascii=False,
            )
        )
        return
    if not found:
        typer.echo("no suggestions")
    for s in found:
        typer.echo(f"{s.text}  ({s.source})")
