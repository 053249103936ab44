"""``shelfwise serve [--host 127.0.0.1] [--port 8000] [--workers N] [--no-auth]``."""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated

import typer

from shelfwise.cli.common import EXIT_ERROR, context, err
from shelfwise.service.context import ServiceContext


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on (default 127.0.0.1: this machine only).")
    ] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port (default 8000).")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Worker processes; each follows the others' writes within SHELFWISE_SERVE__SYNC_SECONDS.",
        ),
    ] = 1,
    no_auth: Annotated[bool, typer.Option("--no-auth", help="No API keys: for a local demo only.")] = False,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Run the HTTP API (docs at /docs, the dashboard at /dashboard, a page to try it at /)."""
    import uvicorn

    settings = context().settings
    serve_settings = settings.serve.model_copy(
        update={
            "host": host or settings.serve.host,
            "port": port or settings.serve.port,
            "auth": settings.serve.auth and not no_auth,
        }
    )
    if not serve_settings.auth and not _is_loopback(serve_settings.host):
        err("error: --no-auth is only allowed on a loopback host (127.0.0.1, ::1, localhost)")
        raise typer.Exit(EXIT_ERROR)
    settings = settings.model_copy(update={"serve": serve_settings})
    # Open (and migrate) the store once here: an unreachable database is one error line, not a
    # traceback from inside the server's start-up.
    probe = ServiceContext(settings)
    probe.store  # noqa: B018 - opens it
    probe.close()
    typer.echo(
        f"Shelfwise on http://{serve_settings.host}:{serve_settings.port}/ (dashboard at /dashboard, API docs at /docs); "
        f"API keys {'required' if serve_settings.auth else 'NOT required (--no-auth)'}"
    )
    common = {
        "host": serve_settings.host,
        "port": serve_settings.port,
        "log_level": log_level,
        "access_log": False,
    }
    if workers == 1:
        from shelfwise.api import create_app

        uvicorn.run(create_app(settings), **common)  # type: ignore[arg-type]
        return
    # Several processes: each builds the app from the environment, so pass the settings there.
    os.environ["SHELFWISE_HOME"] = str(settings.home.resolve())
    if settings.store_url:
        os.environ["SHELFWISE_STORE_URL"] = settings.store_url
    os.environ["SHELFWISE_SERVE__AUTH"] = "true" if serve_settings.auth else "false"
    uvicorn.run("shelfwise.api.app:app_from_environment", factory=True, workers=workers, **common)  # type: ignore[arg-type]
