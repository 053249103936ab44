"""A serving engine caps the numeric libraries' threads at ``settings.threads``: a request's small
products gain nothing from a second thread, and on a loaded machine waiting for it cost a new
customer's recommendation ~10x (docs/performance.md, branch h16cold)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from threadpoolctl import threadpool_info, threadpool_limits

from shelfwise.service.context import ServiceContext
from shelfwise.service.serving import ServingEngine
from shelfwise.settings import Settings


def _blas_threads() -> set[int]:
    return {int(pool["num_threads"]) for pool in threadpool_info() if pool["user_api"] == "blas"}


@pytest.fixture
def two_threads() -> Iterator[None]:
    """The libraries at 2 threads before the test, as they were after it."""
    torch_before = torch.get_num_threads()
    with threadpool_limits(limits=2):
        torch.set_num_threads(2)
        try:
            yield
        finally:
            torch.set_num_threads(torch_before)


def test_serving_engine_uses_the_threads_setting(two_threads: None, tmp_path: Path) -> None:
    assert torch.get_num_threads() == 2
    engine = ServingEngine(ServiceContext(Settings(home=tmp_path, threads=1, search={"encoder": "fake"})))
    engine.start(poll=False)  # no model yet: the limit still applies to this process
    try:
        assert torch.get_num_threads() == 1
        assert _blas_threads() <= {1}
        # A thread that has not used torch yet starts from the process's limit too.
        seen: list[int] = []
        worker = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
        worker.start()
        worker.join()
        assert seen == [1]
    finally:
        engine.stop()
