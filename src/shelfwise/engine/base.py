"""The engine interface and the in-process implementation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

S = TypeVar("S")  # one shard of the input
C = TypeVar("C")  # what every shard shares (read-only): statistics, a model, settings
R = TypeVar("R")  # one shard's result


class Engine(Protocol):
    """Runs ``fn(shard, shared)`` for every shard and returns the results in shard order.

    ``fn`` must be a module-level function (a Ray worker imports it by name) and must not mutate
    ``shared``: a distributed engine hands every task its own copy, sent once per call.
    """

    name: str
    shards: int  # how many shards the callers split their input into (more than workers: balance)

    def map(self, fn: Callable[[S, C], R], shards: Sequence[S], shared: C) -> list[R]: ...

    def close(self) -> None: ...


class LocalEngine:
    """Every shard in this process, one after the other: the default, and the reference results."""

    name = "local"

    def __init__(self, shards: int = 1) -> None:
        # One shard by default: the local path then runs exactly the code it ran before engines.
        self.shards = shards

    def map(self, fn: Callable[[S, C], R], shards: Sequence[S], shared: C) -> list[R]:
        return [fn(shard, shared) for shard in shards]

    def close(self) -> None:
        return None


def split(items: Sequence[S], parts: int) -> list[Sequence[S]]:
    """``items`` cut into at most ``parts`` contiguous slices of near-equal length (order kept)."""
    parts = max(1, min(parts, len(items)))
    bounds = [round(len(items) * k / parts) for k in range(parts + 1)]
    return [items[bounds[k] : bounds[k + 1]] for k in range(parts)]


def map_combine(
    engine: Engine,
    fn: Callable[[Sequence[S], C], R],
    items: Sequence[S],
    shared: C,
    combine: Callable[[list[R]], R],
) -> R:
    """Split ``items`` into the engine's shards, map ``fn`` over them, combine the results.

    With one shard ``fn`` sees the whole input and nothing is combined."""
    results = engine.map(fn, split(items, engine.shards), shared)
    return results[0] if len(results) == 1 else combine(results)
