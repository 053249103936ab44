"""The one interface every text encoder implements, and conveniences built on top of it.

An encoder turns texts into float32, L2-normalised rows, so a dot product is a cosine similarity.
Only ``encode_batch`` is required; :func:`encode` adds batching, a progress bar and a thread limit.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol, runtime_checkable

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm


@runtime_checkable
class TextEncoder(Protocol):
    """Maps texts to unit-length float32 vectors of a fixed dimension."""

    name: str
    dim: int

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Return an array of shape (len(texts), dim), float32, rows L2-normalised."""
        ...


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (all-zero rows stay zero) as float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


@contextmanager
def limited_threads(threads: int) -> Iterator[None]:
    """Cap BLAS/OpenMP threads, and torch's if torch is already loaded (never import it here:
    the fake and numpy encoders must not pay torch's import time).

    On a shared 2-core machine one thread is faster than two (see docs/dependencies.md)."""
    torch = sys.modules.get("torch")
    previous = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads):
            yield
    finally:
        if torch is not None and previous is not None:
            torch.set_num_threads(previous)


def encode(
    encoder: TextEncoder,
    texts: Sequence[str],
    batch_size: int = 64,
    progress: bool = True,
    threads: int = 1,
) -> np.ndarray:
    """Encode any number of texts in batches, with a tqdm progress bar and a thread cap."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    output = np.empty((len(texts), encoder.dim), dtype=np.float32)
    with (
        limited_threads(threads),
        tqdm(total=len(texts), desc=f"encode {encoder.name}", unit="text", disable=not progress) as bar,
    ):
        for start in range(0, len(texts), batch_size):
            batch = list(texts[start : start + batch_size])
            vectors = np.asarray(encoder.encode_batch(batch), dtype=np.float32)
            if vectors.shape != (len(batch), encoder.dim):
                raise ValueError(
                    f"encoder {encoder.name} returned shape {vectors.shape}, "
                    f"expected {(len(batch), encoder.dim)}"
                )
            output[start : start + len(batch)] = vectors
            bar.update(len(batch))
    return output
