"""Shared fixtures. Heavy real models are loaded once per session by the fixtures that need them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
# The deterministic hashing encoder is no production choice: the tests plug it in (here and in the
# environment of every CLI and server process they start) as the encoder named "fake".
os.environ["SHELFWISE_ENCODER_PLUGINS"] = "fake=shelfwise.encoders.fake:HashingEncoder"

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside this checkout")
    return SHARED_DATA
