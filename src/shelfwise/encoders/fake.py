"""A deterministic hashing encoder for tests: no model, no randomness, microseconds per text.

Each lower-cased word and each character trigram is hashed (blake2b, stable across processes, unlike
``hash()``) to a dimension and a sign. Texts sharing words or trigrams share dimensions, so similar
strings get similar vectors and unrelated strings nearly orthogonal ones.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from shelfwise.encoders.base import l2_normalise

_WORD = re.compile(r"\w+", re.UNICODE)


def _features(text: str) -> list[str]:
    lowered = text.lower()
    words = _WORD.findall(lowered)
    padded = f" {' '.join(words)} "
    trigrams = [padded[i : i + 3] for i in range(len(padded) - 2)]
    return [f"w:{word}" for word in words] + [f"c:{gram}" for gram in trigrams]


def _bucket(feature: str, dim: int) -> tuple[int, float]:
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return value % dim, 1.0 if (value >> 63) & 1 else -1.0


class HashingEncoder:
    """Word + character-trigram feature hashing into ``dim`` dimensions, L2-normalised."""

    def __init__(self, dim: int = 256, word_weight: float = 2.0) -> None:
        if dim < 2:
            raise ValueError("dim must be at least 2")
        self.dim = dim
        self.name = f"hashing-{dim}"
        # Whole words weigh more than trigrams: a shared word is stronger evidence than shared letters.
        self._word_weight = word_weight

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature in _features(text):
                index, sign = _bucket(feature, self.dim)
                weight = self._word_weight if feature.startswith("w:") else 1.0
                vectors[row, index] += sign * weight
        return l2_normalise(vectors)
