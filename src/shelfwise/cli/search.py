"""``shelfwise search "QUERY" [--user ID] -k 10``, ``--explain``, and batch ``--queries FILE.jsonl``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shelfwise.cli.common import EXIT_ERROR, context, err, print_ranked, ranked_json

if TYPE_CHECKING:  # the service imports the search engine: only when the command runs
    from shelfwise.service.lists import ListService


def search(
    query: Annotated[str | None, typer.Argument(help="What the customer typed.")] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Personalise for this user or customer id.")
    ] = None,
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=1000, help="How many items.")] = 10,
    explain: Annotated[
        bool, typer.Option(help="Print how the query was understood (JSON), no results.")
    ] = False,
    queries: Annotated[
        Path | None, typer.Option(help='Batch: JSON lines {"query_id", "query", "user_id" (optional)}.')
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="Batch: write JSON lines here (default: stdout).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
    version: Annotated[
        str | None, typer.Option(help="Model version (default: the served one, honouring a rollback pin).")
    ] = None,
) -> None:
    """Search the catalog: typo-tolerant, price/brand/colour aware, personalised with --user."""
    from shelfwise.service.lists import ListService

    # Only what a search needs: the index snapshot, encoder and search ranker (and the click
    # model when it ranks search), never the next-item or complement models.
    service = ListService(
        context(), version, progress=True, kinds=frozenset({"search"}), one_request=queries is None
    )
    if queries is not None:
        _batch(service, queries, k, output)
        return
    if query is None:
        err("give a QUERY or --queries FILE")
        raise typer.Exit(EXIT_ERROR)
    if explain:
        typer.echo(json.dumps(service.explain_search(query), ensure_ascii=False, indent=2))
        return
    results = service.search(query, user_id=user, k=k)
    if as_json:
        typer.echo(json.dumps(ranked_json(results, query=query), ensure_ascii=False))
        return
    who = f" for {user}" if user else ""
    print_ranked(f"Results for “{query}”{who}:", results, show_price=True)
    if results.redirect:
        typer.echo(f"Redirect (shop rule): {results.redirect}")
    if not results.items:
        typer.echo("  no matches")


def _batch(service: ListService, queries: Path, k: int, output: Path | None) -> None:
    sink = open(output, "w", encoding="utf-8") if output else None  # noqa: SIM115 - closed below
    count = 0
    try:
        for number, line in enumerate(queries.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                query_id, text = row["query_id"], row["query"]
            except (ValueError, KeyError, TypeError):
                err(f"{queries}:{number}: rejected: need a JSON object with query_id and query")
                continue
            ranked = service.search(str(text), user_id=row.get("user_id"), k=k)
            record = ranked_json(ranked, query_id=query_id)
            text_line = json.dumps(record, ensure_ascii=False)
            if sink:
                sink.write(text_line + "\n")
            else:
                typer.echo(text_line)
            count += 1
    finally:
        if sink:
            sink.close()
    if output:
        typer.echo(f"wrote results for {count} queries to {output}")
