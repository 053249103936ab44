"""Entry point of the ``shelfwise`` console script.

Every command module is imported here (typer reads their signatures), so a command module imports
its services inside the command, not at its top: a one-off ``shelfwise search`` would otherwise
import (and, without bytecode files, compile) audit, ingest and feedback code it never runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shelfwise import __version__
from shelfwise.cli import (
    audit,
    complementary,
    customers,
    demo,
    evaluate,
    experiments,
    export,
    feedback,
    ingest,
    keys,
    models,
    recommend,
    search,
    search_rules,
    serve,
    stats,
    suggest,
    train,
)
from shelfwise.cli.common import EXIT_ERROR, err, set_home
from shelfwise.errors import ShelfwiseError

app = typer.Typer(
    name="shelfwise",
    help="Omnichannel search and recommendations for any shop.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def root(
    home: Annotated[
        Path | None, typer.Option(help="Data directory (default: $SHELFWISE_HOME or ./shelfwise-data).")
    ] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False,
) -> None:
    set_home(home)


app.command("ingest")(ingest.ingest)
app.command("stats")(stats.stats)
app.command("train")(train.train)
app.command("recommend")(recommend.recommend)
app.command("search")(search.search)
app.command("suggest")(suggest.suggest)
app.command("complementary")(complementary.complementary)
app.command("similar")(complementary.similar)
app.command("evaluate")(evaluate.evaluate)
app.command("online-metrics")(feedback.online_metrics)
app.command("export")(export.export)
app.command("demo")(demo.demo)
app.add_typer(customers.app, name="customers")
app.command("serve")(serve.serve)
app.add_typer(keys.app, name="keys")
app.add_typer(models.app, name="models")
app.add_typer(audit.app, name="audit")
app.add_typer(search_rules.synonyms_app, name="synonyms")
app.add_typer(search_rules.query_rules_app, name="query-rules")
app.add_typer(experiments.app, name="experiments")


def main() -> None:
    try:
        app()
    except ShelfwiseError as exc:
        err(f"error: {exc}")
        raise SystemExit(EXIT_ERROR) from None


if __name__ == "__main__":
    main()
