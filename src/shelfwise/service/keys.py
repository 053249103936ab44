"""Use case: API keys with scopes, stored hashed.

A key reads ``sw_<key id>_<secret>``. The key id is public (it names the key in ``keys list`` and
``keys revoke``); only a SHA-256 of the 32-byte random secret is stored. A fast hash is right here:
the secret is random, not a password, so there is nothing to brute-force from the hash.

Scopes: ``ingest`` (POST items, accounts, events), ``read`` (recommendations, search, profiles),
``admin`` (forget, model reload/rollback); ``admin`` includes the other two.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from shelfwise.errors import ConfigError, NotFoundError
from shelfwise.service.context import ServiceContext
from shelfwise.storage import ApiKeyRecord

SCOPES: tuple[str, ...] = ("ingest", "read", "admin")
_PREFIX = "sw"


@dataclass(frozen=True, slots=True)
class NewKey:
    key: str  # shown once; never stored
    record: ApiKeyRecord


def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _split(key: str) -> tuple[str, str] | None:
    parts = key.strip().split("_")
    if len(parts) != 3 or parts[0] != _PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def grants(scopes: Iterable[str], wanted: str) -> bool:
    held = set(scopes)
    return wanted in held or "admin" in held


class KeyService:
    """Create, list, revoke and verify keys. ``verify`` caches answers for ``cache_seconds`` (a
    revocation from another process takes effect within that time) so requests skip the store."""

    def __init__(self, ctx: ServiceContext, cache_seconds: float | None = None) -> None:
        self._ctx = ctx
        self._cache_seconds = ctx.settings.serve.key_cache_seconds if cache_seconds is None else cache_seconds
        self._cache: dict[str, tuple[float, tuple[str, ...] | None]] = {}
        self._lock = threading.Lock()

    def create(self, scopes: Iterable[str], name: str | None = None) -> NewKey:
        wanted = tuple(dict.fromkeys(scopes))
        if not wanted:
            raise ConfigError(f"give at least one scope ({', '.join(SCOPES)})")
        unknown = [s for s in wanted if s not in SCOPES]
        if unknown:
            raise ConfigError(f"unknown scope {unknown[0]!r}; choose from {', '.join(SCOPES)}")
        key_id = "k" + secrets.token_hex(6)
        secret = secrets.token_urlsafe(32).replace("_", "-")  # "_" separates the parts
        record = ApiKeyRecord(key_id, _sha(secret), wanted, name, time.time())
        self._ctx.store.add_api_key(record)
        return NewKey(f"{_PREFIX}_{key_id}_{secret}", record)

    def list(self) -> list[ApiKeyRecord]:
        return self._ctx.store.list_api_keys()

    def revoke(self, key_id: str) -> None:
        if not self._ctx.store.revoke_api_key(key_id, time.time()):
            raise NotFoundError(f"no active API key {key_id!r}")
        with self._lock:
            self._cache.clear()

    def any_active(self) -> bool:
        return any(record.revoked_at is None for record in self.list())

    def verify(self, key: str) -> tuple[str, ...] | None:
        """The scopes of a valid, unrevoked key; None for anything else."""
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is not None and now - cached[0] < self._cache_seconds:
            return cached[1]
        scopes = self._check(key)
        with self._lock:
            if len(self._cache) > 10_000:  # bounded: garbage keys must not grow memory
                self._cache.clear()
            self._cache[key] = (now, scopes)
        return scopes

    def _check(self, key: str) -> tuple[str, ...] | None:
        parts = _split(key)
        if parts is None:
            return None
        record = self._ctx.store.get_api_key(parts[0])
        if record is None or record.revoked_at is not None:
            return None
        if not hmac.compare_digest(record.secret_sha, _sha(parts[1])):
            return None
        return record.scopes
