"""The real models (slow: they load weights). Each is loaded once per session by a fixture."""

from __future__ import annotations

import os

import numpy as np
import pytest

from shelfwise.encoders import EncoderSettings, TextEncoder, choose_encoder
from shelfwise.encoders import minilm as minilm_module
from shelfwise.encoders.minilm import MiniLMEncoder
from shelfwise.encoders.multilingual import MultilingualUSEEncoder


def _closer(encoder: TextEncoder, anchor: str, near: str, far: str) -> tuple[float, float]:
    vectors = encoder.encode_batch([anchor, near, far])
    assert vectors.dtype == np.float32 and vectors.shape == (3, encoder.dim)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    return float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])


@pytest.mark.slow
def test_minilm_puts_earbuds_near_headphones(minilm: MiniLMEncoder) -> None:
    assert minilm.name == "all-MiniLM-L6-v2" and minilm.dim == 384
    near, far = _closer(minilm, "wireless bluetooth earbuds", "bluetooth headphones", "garden hose")
    assert near > far + 0.3


@pytest.mark.slow
def test_minilm_int8_matches_fp32(minilm: MiniLMEncoder, minilm_int8: MiniLMEncoder) -> None:
    assert minilm_int8.name == "all-MiniLM-L6-v2-int8"
    texts = ["wireless bluetooth earbuds", "bluetooth headphones", "garden hose, 50 ft, green"]
    cosine = np.sum(minilm.encode_batch(texts) * minilm_int8.encode_batch(texts), axis=1)
    assert cosine.min() > 0.97
    near, far = _closer(minilm_int8, texts[0], texts[1], texts[2])
    assert near > far + 0.3


@pytest.mark.slow
def test_minilm_int8_encodes_without_a_thread_limit_per_call(
    minilm_int8: MiniLMEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One query is ~3 ms of int8 inference; threadpoolctl's limit re-scans the loaded libraries at
    each call and cost as much again. The session has its own thread count, so the ONNX path skips it."""
    texts = ["deck stain", "cordless drill with charger"]
    expected = minilm_int8.encode_batch(texts)

    def no_limit(threads: int) -> None:
        raise AssertionError("the ONNX path must not take a threadpoolctl limit per call")

    monkeypatch.setattr(minilm_module, "limited_threads", no_limit)
    np.testing.assert_array_equal(minilm_int8.encode_batch(texts), expected)


@pytest.mark.slow
def test_optimised_graph_is_saved_once_and_gives_the_same_vectors(minilm_int8: MiniLMEncoder) -> None:
    from shelfwise.encoders.minilm import model_path
    from shelfwise.encoders.minilm_onnx import OnnxMiniLM, optimised_model_file, quantised_model_file

    model = quantised_model_file(minilm_int8._onnx_cache_dir)
    tokenizer = model_path() / "tokenizer.json"
    optimised_model_file(model).unlink(missing_ok=True)
    texts = ["deck stain", "cordless drill with charger", "garden hose, 50 ft, green"]
    plain = OnnxMiniLM(model, tokenizer, reuse_optimised=False)
    assert plain._session._model_path == str(model)
    assert not optimised_model_file(model).exists()
    first = OnnxMiniLM(model, tokenizer)  # writes the optimised graph, then opens it
    assert first._session._model_path == str(optimised_model_file(model))
    saved = optimised_model_file(model).stat().st_mtime_ns
    again = OnnxMiniLM(model, tokenizer)  # reuses it
    assert optimised_model_file(model).stat().st_mtime_ns == saved
    for encoder in (first, again):
        np.testing.assert_array_equal(encoder.encode(texts), plain.encode(texts))
        np.testing.assert_array_equal(encoder.encode(texts[:1]), plain.encode(texts[:1]))
    os.utime(model)  # a model rebuilt after the copy was saved: the stale copy is not used
    newer = OnnxMiniLM(model, tokenizer)
    assert optimised_model_file(model).stat().st_mtime_ns >= model.stat().st_mtime_ns
    assert newer._session._model_path == str(optimised_model_file(model))


@pytest.mark.slow
def test_use_multilingual_on_chinese(multilingual: MultilingualUSEEncoder) -> None:
    assert multilingual.dim == 512
    near, far = _closer(multilingual, "无线蓝牙耳机", "蓝牙头戴式耳机", "花园水管")
    assert near > far + 0.2


def test_choose_encoder_routes_by_language_without_loading_models() -> None:
    settings = EncoderSettings(english_backend="torch")
    english = choose_encoder("en", settings)
    assert isinstance(english, MiniLMEncoder) and english.name == "all-MiniLM-L6-v2"
    assert english._torch_model is None  # lazily loaded
    assert isinstance(choose_encoder("zh", settings), MultilingualUSEEncoder)
    assert isinstance(choose_encoder("multi", settings), MultilingualUSEEncoder)
