from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from shelfwise.encoders import EmbeddingCache, HashingEncoder, content_key


class _Spy(HashingEncoder):
    def __init__(self) -> None:
        super().__init__(dim=32)
        self.seen: list[str] = []

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        return super().encode_batch(texts)


def test_second_call_encodes_nothing_new(tmp_path: Path) -> None:
    spy = _Spy()
    cache = EmbeddingCache(spy, tmp_path)
    texts = ["red scarf", "blue hat", "red scarf", "green mug"]
    first = cache.encode(texts, progress=False)
    assert sorted(spy.seen) == ["blue hat", "green mug", "red scarf"]  # duplicates encoded once
    assert (cache.last_call.hits, cache.last_call.encoded) == (1, 3)

    spy.seen.clear()
    reopened = EmbeddingCache(spy, tmp_path)  # a new process would see the same file
    again = reopened.encode(texts, progress=False)
    assert spy.seen == []
    assert (reopened.last_call.hits, reopened.last_call.encoded) == (4, 0)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, HashingEncoder(dim=32).encode_batch(texts))


def test_only_changed_texts_are_encoded(tmp_path: Path) -> None:
    spy = _Spy()
    cache = EmbeddingCache(spy, tmp_path)
    cache.encode(["red scarf", "blue hat"], progress=False)
    spy.seen.clear()
    cache.encode(["red scarf", "blue hat, wool"], progress=False)
    assert spy.seen == ["blue hat, wool"]


def test_key_depends_on_encoder_and_text() -> None:
    assert content_key("a", "x") != content_key("b", "x")
    assert content_key("a", "x") != content_key("a", "y")
    assert content_key("a", "x") == content_key("a", "x")
