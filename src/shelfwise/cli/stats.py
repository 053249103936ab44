"""``shelfwise stats [--json]``."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from shelfwise.cli.common import context


def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Counts of items, accounts, customers, events (by channel and type) and rejected rows."""
    from shelfwise.service.stats import store_stats

    data = store_stats(context())
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    for key in ("items", "accounts", "customers", "events", "rejected"):
        typer.echo(f"{key:>10}: {data[key]}")
    for group in ("events_by_channel", "events_by_type"):
        typer.echo(f"{group}: " + ", ".join(f"{k}={v}" for k, v in data[group].items()))
