"""Rate limits per API key and per client address: plain ASGI middleware with token buckets.

Each key (the presented Bearer token's public ``key_id``, not verified here: verification is the
route's job, and an invalid key still spends from its address's bucket) and each client address
has a bucket of ``burst`` tokens refilled at ``per_minute / 60`` a second. A request takes one token
from both; when either is empty the answer is 429 with ``Retry-After`` (whole seconds until a token
is back). Buckets live in the process (with ``--workers N`` each worker counts on its own) unless
``serve.redis_url`` names a Redis that every server shares (``ratelimit_redis.py``).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

EXEMPT_PATHS = frozenset({"/healthz", "/metrics"})  # probes and scrapers are never throttled
MAX_BUCKETS = 100_000  # least recently used buckets beyond this are dropped (random keys cannot fill memory)


@dataclass
class _Bucket:
    tokens: float
    at: float


class Buckets(Protocol):
    """Where the middleware spends tokens: ``acquire(name)`` is 0.0 when allowed, else seconds to wait."""

    async def acquire(self, name: str) -> float: ...


class TokenBuckets:
    """Buckets by name in this process: ``take(name)`` returns 0.0 when allowed, else the seconds to wait."""

    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, name: str) -> float:
        now = self._clock()
        bucket = self._buckets.pop(name, None) or _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        self._buckets[name] = bucket  # most recently used last
        if len(self._buckets) > MAX_BUCKETS:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    async def acquire(self, name: str) -> float:
        return self.take(name)


def presented_key_id(scope: Scope) -> str | None:
    """The public part of ``Authorization: Bearer sw_<key_id>_<secret>`` (the whole token otherwise)."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            if scheme.lower() != "bearer" or not token:
                return None
            parts = token.split("_")
            return parts[1] if len(parts) == 3 else token[:64]
    return None


class RateLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        key_per_minute: float,
        address_per_minute: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        redis_url: str | None = None,
        redis_prefix: str = "shelfwise",
    ) -> None:
        self.app = app

        def buckets(kind: str, per_minute: float) -> Buckets | None:
            if per_minute <= 0:
                return None
            if redis_url:
                from shelfwise.api.ratelimit_redis import RedisTokenBuckets

                return RedisTokenBuckets(redis_url, f"{redis_prefix}:rate:{kind}", per_minute, burst)
            return TokenBuckets(per_minute, burst, clock)

        self.by_key = buckets("key", key_per_minute)
        self.by_address = buckets("address", address_per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        wait, what = 0.0, ""
        key = presented_key_id(scope)
        if self.by_key is not None and key is not None:
            wait, what = await self.by_key.acquire(key), "API key"
        if not wait and self.by_address is not None:
            client = scope.get("client")
            wait, what = await self.by_address.acquire(client[0] if client else "unknown"), "client address"
        if wait:
            await _too_many(send, what, wait)
            return
        await self.app(scope, receive, send)


async def _too_many(send: Send, what: str, wait: float) -> None:
    seconds = max(1, math.ceil(wait))
    body = orjson.dumps(
        {"detail": f"too many requests for this {what}; retry after {seconds} s", "errors": []}
    )
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(seconds).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
