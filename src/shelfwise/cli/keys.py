"""``shelfwise keys create --scope S [--scope S2] [--name N] | list | revoke KEY_ID``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from shelfwise.cli.common import context
from shelfwise.service.keys import SCOPES, KeyService

app = typer.Typer(help="API keys for `shelfwise serve` (stored hashed; shown once).", no_args_is_help=True)


@app.command("create")
def create(
    scope: Annotated[
        list[str], typer.Option("--scope", help=f"One of {', '.join(SCOPES)}; repeat for several.")
    ],
    name: Annotated[str | None, typer.Option(help="A label, e.g. who uses the key.")] = None,
) -> None:
    """Create a key. The key is printed alone on the last line and cannot be shown again."""
    new = KeyService(context()).create(scope, name)
    typer.echo(f"created key {new.record.key_id} with scopes {' '.join(new.record.scopes)} (store it now):")
    typer.echo(new.key)


def _when(epoch: float | None) -> str:
    return "-" if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


@app.command("list")
def list_keys() -> None:
    """Key ids, scopes, names and status (never the keys themselves)."""
    records = KeyService(context()).list()
    if not records:
        typer.echo("no API keys; create one with `shelfwise keys create --scope read`")
        return
    for r in records:
        status = f"revoked {_when(r.revoked_at)}" if r.revoked_at else "active"
        typer.echo(
            f"{r.key_id}  {' '.join(r.scopes):<18} {status:<28} created {_when(r.created_at)}  {r.name or ''}"
        )


@app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key id shown by `keys list`.")]) -> None:
    """Revoke a key (a running server stops accepting it within SHELFWISE_SERVE__KEY_CACHE_SECONDS)."""
    KeyService(context()).revoke(key_id)
    typer.echo(f"revoked {key_id}")
