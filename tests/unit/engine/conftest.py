"""A local Ray cluster, started once per test session (two CPUs: the machine's share)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shelfwise.engine import Engine


@pytest.fixture(scope="session")
def ray_engine() -> Iterator[Engine]:
    try:
        import ray
    except ImportError:
        pytest.skip("ray is not installed (the `ray` extra; `make install` installs it with dev)")
    from shelfwise.engine.ray_engine import RayEngine

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    engine = RayEngine.connect()  # joins the session started above (and leaves it running)
    yield engine
    ray.shutdown()
