"""Typed settings for the encoders (meant to hang off the root Settings as ``encoders``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

EnglishBackend = Literal["auto", "torch", "onnx-int8"]


class EncoderSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # "auto": the int8 ONNX MiniLM when onnxruntime is installed and the quantised model passed its
    # quality check (mean cosine vs fp32 ≥ 0.99), otherwise sentence-transformers on torch.
    english_backend: EnglishBackend = "auto"
    threads: int = Field(1, ge=1)
    batch_size: int = Field(64, ge=1)
    # Where the ONNX export and the content-hash embedding cache live (default: ~/.cache/shelfwise).
    cache_dir: Path | None = None

    def resolved_cache_dir(self) -> Path:
        return self.cache_dir or Path.home() / ".cache" / "shelfwise"

    def resolved_onnx_cache_dir(self) -> Path:
        return self.resolved_cache_dir() / "onnx"

    def resolved_embedding_cache_dir(self) -> Path:
        return self.resolved_cache_dir() / "embeddings"
