"""Embeddings cached by content: re-encoding an unchanged catalog costs only hashing.

Key = sha256(encoder name + NUL + text), so a changed title, a different model or a different
quantisation gets a new key, and an unchanged text is never encoded twice. Vectors live in one
sqlite file per encoder (a blob per row): sqlite gives atomic, concurrent-safe appends without a
separate index file to keep in step with a .npy.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shelfwise.encoders.base import TextEncoder, encode

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def content_key(encoder_name: str, text: str) -> str:
    return hashlib.sha256(f"{encoder_name}\0{text}".encode()).hexdigest()


@dataclass
class CacheStats:
    """What the last call did: texts served from the cache vs newly encoded."""

    hits: int = 0
    encoded: int = 0


class EmbeddingCache:
    """Wraps an encoder; ``encode`` returns the same rows as the encoder but reuses cached ones."""

    def __init__(self, encoder: TextEncoder, directory: Path) -> None:
        self.encoder = encoder
        self.directory = directory
        self.last_call = CacheStats()
        self._connection: sqlite3.Connection | None = None

    @property
    def path(self) -> Path:
        return self.directory / f"{_SAFE.sub('_', self.encoder.name)}.sqlite"

    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._connection = sqlite3.connect(self.path)
            self._connection.execute(
                "CREATE TABLE IF NOT EXISTS embeddings (key TEXT PRIMARY KEY, vector BLOB NOT NULL)"
            )
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _lookup(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        db = self._db()
        # Chunks stay under sqlite's bound-parameter limit.
        for start in range(0, len(keys), 900):
            chunk = keys[start : start + 900]
            marks = ",".join("?" * len(chunk))
            rows = db.execute(f"SELECT key, vector FROM embeddings WHERE key IN ({marks})", chunk)
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def encode(
        self,
        texts: Sequence[str],
        batch_size: int = 64,
        progress: bool = True,
        threads: int = 1,
        encode_missing: Callable[[list[str]], np.ndarray] | None = None,
    ) -> np.ndarray:
        """``encode_missing``: how the texts not in the cache get encoded (None: this encoder, here);
        training passes its engine's sharded encoding."""
        name = self.encoder.name
        keys = [content_key(name, text) for text in texts]
        cached = self._lookup(sorted(set(keys)))
        missing: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in cached and key not in missing:
                missing[key] = text
        if missing:
            if encode_missing is not None:
                fresh = encode_missing(list(missing.values()))
            else:
                fresh = encode(
                    self.encoder, list(missing.values()), batch_size, progress=progress, threads=threads
                )
            with self._db() as db:
                db.executemany(
                    "INSERT OR REPLACE INTO embeddings (key, vector) VALUES (?, ?)",
                    [(key, row.tobytes()) for key, row in zip(missing, fresh, strict=True)],
                )
            cached.update(zip(missing, fresh, strict=True))
        self.last_call = CacheStats(hits=len(texts) - len(missing), encoded=len(missing))
        output = np.empty((len(texts), self.encoder.dim), dtype=np.float32)
        for row, key in enumerate(keys):
            output[row] = cached[key]
        return output
