"""Choosing the engine by name (``shelfwise train --engine``)."""

from __future__ import annotations

from shelfwise.engine.base import Engine, LocalEngine
from shelfwise.errors import ConfigError

ENGINES = ("local", "ray")


def open_engine(name: str = "local", address: str | None = None) -> Engine:
    """The named engine, ready to map. ``address``: a running Ray cluster (``ray`` only); None
    starts a local one for the duration of the job."""
    if name == "local":
        if address:
            raise ConfigError("--address is for --engine ray (a Ray cluster's address)")
        return LocalEngine()
    if name == "ray":
        from shelfwise.engine.ray_engine import RayEngine

        return RayEngine.connect(address)
    raise ConfigError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
