"""``shelfwise audit [--json]`` and ``shelfwise audit unflag USER_ID``."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from shelfwise.cli.common import context

app = typer.Typer(help="Suspicious activity (fake orders, rings, bots) kept out of training.")


@app.callback(invoke_without_command=True)
def audit(
    ctx: typer.Context,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object: flagged, flagged_events, customers.")
    ] = False,
) -> None:
    """Run the filter now and list the flagged accounts with their reasons (events are kept)."""
    from shelfwise.service.audit import AuditService

    if ctx.invoked_subcommand is not None:
        return
    report = AuditService(context()).run()
    if as_json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False))
        return
    typer.echo(
        f"{len(report.flags)} account(s) flagged among {report.customers} customers; "
        f"{report.flagged_events} of their events are kept out of training"
    )
    for flag in report.flags:
        typer.echo(f"  {flag.user_id}  ({flag.events} events)")
        for reason in flag.reasons:
            typer.echo(f"    - {reason}")


@app.command()
def unflag(user_id: str) -> None:
    """Trust an account again: it is never flagged and its events train the next model."""
    from shelfwise.service.audit import AuditService

    was_flagged = AuditService(context()).unflag(user_id)
    typer.echo(f"{user_id} is trusted" + ("" if was_flagged else " (it was not flagged)"))
