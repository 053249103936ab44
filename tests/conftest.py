"""Shared fixtures. Heavy real models are loaded once per session by the fixtures that need them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pg_store import fresh_database, server_problem

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
# The deterministic hashing encoder is no production choice: the tests plug it in (here and in the
# environment of every CLI and server process they start) as the encoder named "fake".
os.environ["SHELFWISE_ENCODER_PLUGINS"] = "fake=shelfwise.encoders.fake:HashingEncoder"

# ../shared/data beside the checkout; SHELFWISE_SHARED_DATA points elsewhere (e.g. from a worktree).
SHARED_DATA = Path(
    os.environ.get("SHELFWISE_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data")
)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside this checkout")
    return SHARED_DATA


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test (dropped after it)."""
    problem = server_problem()
    if problem:
        pytest.skip(problem)
    with fresh_database() as url:
        yield url


@pytest.fixture(params=["memory", "file", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty store of every backend: SQLite in memory and on disk, PostgreSQL."""
    if request.param == "memory":
        return "memory://"
    if request.param == "file":
        return f"sqlite:///{tmp_path / 'db' / 'shelfwise.db'}"
    return request.getfixturevalue("pg_url")
