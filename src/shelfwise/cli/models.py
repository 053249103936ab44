"""``shelfwise models list | rollback | use VERSION | use latest``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from shelfwise.cli.common import context

app = typer.Typer(help="Trained model versions: which one is served, roll back.", no_args_is_help=True)


@app.command("list")
def list_versions() -> None:
    """Every version with its status; * marks the one served."""
    from shelfwise.service.models import ModelService  # the training code: only when used

    service = ModelService(context())
    found = service.versions()
    if not found:
        typer.echo("no model versions; run `shelfwise train`")
        return
    pinned = service.pinned()
    for v in found:
        when = (
            dt.datetime.fromtimestamp(v.created_at, dt.UTC).strftime("%Y-%m-%d %H:%M")
            if v.created_at
            else "-"
        )
        mark = "*" if v.active else " "
        note = " (pinned)" if v.version == pinned else ""
        typer.echo(f"{mark} {v.version}  {v.status:<10} {when}  {v.model or '-'} / {v.encoder or '-'}{note}")


@app.command("rollback")
def rollback() -> None:
    """Pin the good version before the served one; a running server switches within its poll interval."""
    from shelfwise.service.models import ModelService  # the training code: only when used

    version = ModelService(context()).rollback()
    typer.echo(f"serving {version} (pinned; `shelfwise models use latest` to follow new trainings again)")


@app.command("use")
def use(version: Annotated[str, typer.Argument(help="A version (v0003) or `latest`.")]) -> None:
    """Pin a version, or `latest` to remove the pin."""
    from shelfwise.service.models import ModelService  # the training code: only when used

    served = ModelService(context()).use(version)
    if version == "latest":
        typer.echo(f"serving the newest good version, now {served}")
        return
    typer.echo(f"serving {version} (pinned)")
