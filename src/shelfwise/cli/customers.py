"""``shelfwise customers [--output FILE.jsonl]``, ``customers show ID``, ``detach``, ``reattach``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shelfwise.cli.common import context

if TYPE_CHECKING:
    from shelfwise.service.customers import CustomerService

app = typer.Typer(
    help="Customers: accounts from every channel linked into one person.", no_args_is_help=False
)


def _service() -> CustomerService:
    from shelfwise.service.customers import CustomerService

    return CustomerService(context())


@app.callback(invoke_without_command=True)
def customers(
    ctx: typer.Context,
    output: Annotated[
        Path | None, typer.Option(help="Write one JSON line per customer to this file.")
    ] = None,
) -> None:
    """List customers: ``{"customer_id", "user_ids", "event_channels"}`` per line."""
    if ctx.invoked_subcommand is not None:
        return
    service = _service()
    lines = (
        json.dumps(
            {"customer_id": c.customer_id, "user_ids": c.user_ids, "event_channels": c.event_channels},
            ensure_ascii=False,
        )
        for c in service.customers()
    )
    if output is None:
        for line in lines:
            typer.echo(line)
        return
    count = 0
    with open(output, "w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line + "\n")
            count += 1
    typer.echo(f"wrote {count} customers to {output}")


@app.command()
def show(
    customer: Annotated[str, typer.Argument(help="A customer id or any of its accounts' user ids.")],
) -> None:
    """Explain a customer: its accounts, and which keys linked which accounts."""
    view = _service().show(customer)
    ex = view.explanation
    typer.echo(f"customer {ex.customer_id}: {len(ex.user_ids)} account(s)")
    for user in ex.user_ids:
        note = "  (detached by hand)" if user in ex.detached else ""
        typer.echo(f"  {user}  channel={view.channels.get(user) or '-'}{note}")
    if ex.links:
        typer.echo("linked by:")
        for link in ex.links:
            typer.echo(f"  {link.user_a} <-> {link.user_b}  same {link.kind} (key {link.key_short})")
    for key in ex.suppressed_keys:
        typer.echo(
            f"ignored shared {key.kind} (key {key.kind}:{key.hash_prefix}): used by {key.n_accounts} accounts, "
            "too many to be one person"
        )


@app.command()
def detach(user_id: str) -> None:
    """Split an account out of its customer (undoes a wrong merge; later ingests keep it apart)."""
    customer_id = _service().detach(user_id)
    typer.echo(f"{user_id} is now customer {customer_id}")


@app.command()
def reattach(user_id: str) -> None:
    """Lift a detach: the account links by its keys again."""
    customer_id = _service().reattach(user_id)
    typer.echo(f"{user_id} is now customer {customer_id}")
