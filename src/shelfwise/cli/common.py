"""Shared CLI plumbing: the service context of this invocation and error → exit code mapping."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from shelfwise.service.context import ServiceContext
from shelfwise.settings import Settings

EXIT_OK = 0
EXIT_REJECTED = 1  # the command ran, but some input rows were rejected
EXIT_ERROR = 2  # the command could not do its job

_context: ServiceContext | None = None


def context() -> ServiceContext:
    global _context
    if _context is None:
        _context = ServiceContext(Settings())
    return _context


def set_home(home: Path | None) -> None:
    global _context
    settings = Settings(home=home) if home is not None else Settings()
    _context = ServiceContext(settings)


def err(message: str) -> None:
    typer.echo(message, err=True)


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()
