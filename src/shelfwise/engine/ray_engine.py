"""Shards as Ray tasks (``pip install 'shelfwise[ray]'``): a local cluster or one at ``--address``."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from shelfwise.errors import ConfigError

S = TypeVar("S")
C = TypeVar("C")
R = TypeVar("R")

# Shards per CPU of the cluster: a few more than workers, so a slow shard does not hold the rest.
SHARDS_PER_CPU = 2
# What workers of a remote cluster must see as the driver does: the code, threads, offline models,
# encoder plug-ins and settings (SHELFWISE_*).
_FORWARDED_ENV = ("PYTHONPATH", "OMP_NUM_THREADS", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError(
            "--engine ray needs Ray: pip install 'shelfwise[ray]' (or use --engine local)"
        ) from None
    return ray


class RayEngine:
    """Maps over shards with one Ray task each; the shared object goes to the object store once."""

    name = "ray"

    def __init__(self, ray: Any, owns_cluster: bool) -> None:
        self._ray = ray
        self._owns_cluster = owns_cluster
        self.shards = max(1, SHARDS_PER_CPU * int(ray.cluster_resources().get("CPU", 1)))

    @classmethod
    def connect(cls, address: str | None = None, num_cpus: int | None = None) -> RayEngine:
        """Join the cluster at ``address`` or start a local one; reuse a session already started
        (tests start one per session)."""
        ray = _import_ray()
        if ray.is_initialized():
            return cls(ray, owns_cluster=False)
        # Workers must import this code as the driver does (a source checkout on PYTHONPATH).
        env = {k: v for k, v in os.environ.items() if k in _FORWARDED_ENV or k.startswith("SHELFWISE_")}
        try:
            ray.init(
                address=address,
                num_cpus=num_cpus if address is None else None,
                include_dashboard=False,
                log_to_driver=False,
                runtime_env={"env_vars": env} if env else None,
            )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise ConfigError(f"cannot reach the Ray cluster at {address or 'local'}: {exc}") from None
        return cls(ray, owns_cluster=True)

    def map(self, fn: Callable[[S, C], R], shards: Sequence[S], shared: C) -> list[R]:
        ray = self._ray
        task = ray.remote(fn)
        shared_ref = ray.put(shared)
        return list(ray.get([task.remote(shard, shared_ref) for shard in shards]))

    def close(self) -> None:
        if self._owns_cluster:
            self._ray.shutdown()
