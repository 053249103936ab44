from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from shelfwise.encoders import HashingEncoder, TextEncoder, encode, l2_normalise


def test_hashing_encoder_satisfies_the_protocol() -> None:
    assert isinstance(HashingEncoder(), TextEncoder)


def test_hashing_encoder_is_deterministic_normalised_float32() -> None:
    encoder = HashingEncoder(dim=128)
    first = encoder.encode_batch(["red wool scarf", "Red Wool Scarf!", ""])
    second = HashingEncoder(dim=128).encode_batch(["red wool scarf", "Red Wool Scarf!", ""])
    assert first.dtype == np.float32 and first.shape == (3, 128)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(np.linalg.norm(first[:2], axis=1), 1.0, rtol=1e-6)
    # Case and punctuation do not matter; the empty text stays the zero vector.
    np.testing.assert_allclose(first[0], first[1], atol=1e-6)
    assert not first[2].any()


def test_hashing_encoder_similar_strings_are_closer() -> None:
    vectors = HashingEncoder().encode_batch(
        ["wireless bluetooth earbuds", "bluetooth wireless headphones", "garden hose 50 ft"]
    )
    assert vectors[0] @ vectors[1] > 0.4
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


class _CountingEncoder:
    name = "counting"
    dim = 2

    def __init__(self) -> None:
        self.batches: list[int] = []

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        self.batches.append(len(texts))
        return l2_normalise(np.array([[len(t), 1.0] for t in texts], dtype=np.float32))


def test_encode_batches_and_keeps_order() -> None:
    encoder = _CountingEncoder()
    vectors = encode(encoder, ["a", "bb", "ccc", "dddd", "eeeee"], batch_size=2, progress=False)
    assert encoder.batches == [2, 2, 1]
    expected = l2_normalise(np.array([[n, 1.0] for n in range(1, 6)]))
    np.testing.assert_allclose(vectors, expected, rtol=1e-6)


def test_encode_rejects_wrong_shapes() -> None:
    class Broken(_CountingEncoder):
        dim = 3

    with pytest.raises(ValueError, match="shape"):
        encode(Broken(), ["a"], progress=False)
