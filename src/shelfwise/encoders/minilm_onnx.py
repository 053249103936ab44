"""The fast CPU path for MiniLM: ONNX export + int8 dynamic quantisation, built once and checked.

Build (about a minute, once per cache dir):
1. export the transformer (without pooling) with ``torch.onnx.export`` (TorchScript exporter; no
   optimum, no onnxscript needed),
2. ``quantize_dynamic(per_channel=True, weight_type=QInt8)``: per-channel scales keep the cosine to
   fp32 at about 0.99, per-tensor ones only about 0.96 (docs/dependencies.md),
3. compare against the fp32 sentence-transformers model on a fixed check set and record the result
   in ``quality.json``; the encoder uses the int8 model only if the check passed.
Every file is written under a temporary name and renamed, so a crash or a concurrent build never
leaves a half-written model behind.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from shelfwise.encoders.base import l2_normalise

log = logging.getLogger(__name__)

QUALITY_THRESHOLD = 0.99
_QUANTISED = "all-MiniLM-L6-v2.int8.onnx"
_QUALITY = "quality.json"


@dataclass(frozen=True)
class QualityReport:
    mean_cosine: float
    min_cosine: float
    texts: int
    threshold: float
    onnxruntime_version: str

    @property
    def passed(self) -> bool:
        return self.mean_cosine >= self.threshold


def quantised_model_file(cache_dir: Path) -> Path:
    return cache_dir / _QUANTISED


def quality_check_texts() -> list[str]:
    """A fixed, varied set of shop-like texts (titles, short queries, longer descriptions)."""
    brands = ["OPI", "Sony", "Lego", "Nike", "Bosch", "Philips"]
    products = [
        "nail polish",
        "wireless bluetooth earbuds",
        "building blocks set",
        "running shoes",
        "cordless drill",
        "electric toothbrush",
        "garden hose",
        "face moisturizer",
    ]
    details = ["0.5 fl oz, red", "black, 2-pack", "for kids 6+", "size 10 men's", "with charger"]
    titles = [
        f"{brand} {product}, {detail}"
        for brand, product, detail in itertools.islice(
            itertools.product(brands, products, details), 0, None, 3
        )
    ]
    sentences = [
        "A lightweight moisturizer that absorbs quickly and leaves skin soft without a greasy feel.",
        "Great gift for a ten year old who loves space and rockets",
        "cheap headphones",
        "Stainless steel water bottle keeps drinks cold for 24 hours and hot for 12.",
        "Replacement brush heads compatible with most electric toothbrushes, pack of eight.",
    ]
    return titles + sentences


def optimised_model_file(model_file: Path) -> Path:
    """Where the graph-optimised copy of ``model_file`` is kept (beside it, per onnxruntime version)."""
    import onnxruntime

    return model_file.with_name(f".{model_file.stem}.ort-{onnxruntime.__version__}.onnx")


def _fresh(derived: Path, source: Path) -> bool:
    try:
        return derived.stat().st_mtime_ns >= source.stat().st_mtime_ns
    except OSError:
        return False


def _write_optimised(model_file: Path, target: Path) -> None:
    """Save onnxruntime's hardware-independent graph optimisations of ``model_file`` to ``target``
    (best effort: a read-only folder keeps the plain model)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    temporary = _temporary(target)
    options.optimized_model_filepath = str(temporary)
    try:
        onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        os.replace(temporary, target)
    except Exception:  # any failure only costs the optimisation at each start
        log.warning("could not save the optimised graph of %s", model_file, exc_info=True)
        temporary.unlink(missing_ok=True)


def open_session(model_file: Path, threads: int = 1, reuse_optimised: bool = True) -> Any:
    """An onnxruntime session on ``threads`` threads. Optimising the graph is most of opening one
    (a one-off ``shelfwise search`` pays it at every run): the optimised graph is saved beside the
    model the first time and opened from then on, with the same outputs to the bit (checked on
    Home Depot queries, docs/performance.md)."""
    import onnxruntime

    if reuse_optimised:
        optimised = optimised_model_file(model_file)
        if not _fresh(optimised, model_file):
            _write_optimised(model_file, optimised)
        if _fresh(optimised, model_file):
            model_file = optimised
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])


class OnnxMiniLM:
    """Runs an exported MiniLM with onnxruntime: tokenise, forward, mean-pool, normalise."""

    def __init__(
        self,
        model_file: Path,
        tokenizer_file: Path,
        threads: int = 1,
        max_length: int = 256,
        reuse_optimised: bool = True,
    ) -> None:
        """``reuse_optimised``: keep the optimised graph beside ``model_file`` (see ``open_session``);
        off for a model file about to be renamed."""
        from tokenizers import Tokenizer

        self._session = open_session(model_file, threads, reuse_optimised)
        self._input_names = {node.name for node in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.enable_truncation(max_length=max_length)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def encode(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        input_ids = np.array([e.ids for e in encodings], dtype=np.int64)
        attention_mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": input_ids, "attention_mask": attention_mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        (hidden,) = self._session.run(["last_hidden_state"], feeds)
        mask = attention_mask[:, :, None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        return l2_normalise(pooled)


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _export_fp32(model_dir: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel

    model: Any = AutoModel.from_pretrained(str(model_dir))
    model.eval()

    class _Hidden(torch.nn.Module):
        # Returns a plain tensor, not a ModelOutput, so the exporter sees one named output.
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    example = torch.ones((2, 8), dtype=torch.int64)
    axes = {0: "batch", 1: "tokens"}
    # The legacy exporter warns about its deprecation and about traced shape checks; both are
    # expected here (shapes are dynamic axes, and the quality check below catches a bad graph).
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", category=DeprecationWarning)
        warnings.simplefilter("ignore", category=UserWarning)
        warnings.simplefilter("ignore", category=torch.jit.TracerWarning)
        torch.onnx.export(
            _Hidden(model),
            (example, example, torch.zeros_like(example)),
            str(target),
            dynamo=False,
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "last_hidden_state": axes,
            },
            opset_version=17,
        )


def _check_quality(
    model_file: Path, tokenizer_file: Path, reference: Callable[[list[str]], np.ndarray]
) -> QualityReport:
    """Cosine of the int8 model's vectors to ``reference``'s (the fp32 model) on the check texts."""
    import onnxruntime

    texts = quality_check_texts()
    candidate = OnnxMiniLM(model_file, tokenizer_file, reuse_optimised=False).encode(texts)
    cosines = np.sum(l2_normalise(reference(texts)) * candidate, axis=1)
    return QualityReport(
        mean_cosine=float(cosines.mean()),
        min_cosine=float(cosines.min()),
        texts=len(texts),
        threshold=QUALITY_THRESHOLD,
        onnxruntime_version=onnxruntime.__version__,
    )


def build_int8(model_dir: Path, target: Path, reference: Callable[[list[str]], np.ndarray]) -> QualityReport:
    """Export the transformer in ``model_dir`` (a Hugging Face folder), quantise it to int8 per
    channel into ``target`` (written under a temporary name, then renamed) and check it against
    ``reference``, the fp32 model's normalised vectors. Also used for fine-tuned query encoders."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32 = _temporary(target.with_name(target.name + ".fp32"))
    int8 = _temporary(target)
    try:
        _export_fp32(model_dir, fp32)
        quantize_dynamic(str(fp32), str(int8), per_channel=True, weight_type=QuantType.QInt8)
        report = _check_quality(int8, model_dir / "tokenizer.json", reference)
        os.replace(int8, target)
    finally:
        for leftover in (fp32, int8):
            leftover.unlink(missing_ok=True)
    return report


def _bundled_reference(texts: list[str]) -> np.ndarray:
    from shelfwise.encoders.minilm import load_sentence_transformer

    return np.asarray(
        load_sentence_transformer().encode(
            texts, batch_size=32, convert_to_numpy=True, normalize_embeddings=True
        )
    )


def read_quality(cache_dir: Path) -> QualityReport | None:
    path = cache_dir / _QUALITY
    if not path.is_file() or not quantised_model_file(cache_dir).is_file():
        return None
    return QualityReport(**json.loads(path.read_text()))


def ensure_quantised_model(cache_dir: Path, model_dir: Path) -> QualityReport:
    """Build the int8 model and its quality report unless both already exist; return the report."""
    existing = read_quality(cache_dir)
    if existing is not None:
        return existing
    cache_dir.mkdir(parents=True, exist_ok=True)
    report = build_int8(model_dir, quantised_model_file(cache_dir), _bundled_reference)
    quality = _temporary(cache_dir / _QUALITY)
    quality.write_text(json.dumps(asdict(report), indent=2))
    os.replace(quality, cache_dir / _QUALITY)
    return report
