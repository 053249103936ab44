"""Rate-limit buckets shared by every server through Redis (``serve.redis_url``).

Without it each process counts on its own, so N servers behind a balancer let a key through at N
times its limit. Here one token bucket per name lives in Redis and a Lua script refills and takes
from it atomically, on Redis's clock (servers' clocks may disagree). The bucket expires once it
would be full again, so idle names cost nothing.

Redis is optional and never a single point of failure: when it cannot be reached within
``timeout`` seconds the request is counted by the process's own buckets instead (the limit is then
per process, as without Redis), and a warning is logged at most once a minute.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from shelfwise.api.ratelimit import TokenBuckets
from shelfwise.errors import ConfigError
from shelfwise.storage import redact_url

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)
WARN_EVERY_SECONDS = 60.0
LEASE_SECONDS = 1.0  # unspent leased tokens are dropped after this (another server may need them)

# KEYS[1]: the bucket; ARGV: tokens per second, burst, tokens wanted. Returns "granted wait": the
# tokens taken (0 when not even one is there) and the seconds until one is. As text, because Redis
# turns a Lua number into an integer.
TAKE = """
local now = redis.call('TIME')
now = tonumber(now[1]) + tonumber(now[2]) / 1000000
local rate, burst, want = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(bucket[1]) or burst, tonumber(bucket[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local granted, wait = math.min(want, math.floor(tokens)), 0
if granted >= 1 then tokens = tokens - granted else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1)
return granted .. ' ' .. tostring(wait)
"""


def import_redis() -> Any:
    try:
        import redis.asyncio as redis_asyncio
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigError(
            "serve.redis_url is set but the Redis client is not installed: pip install 'shelfwise[redis]'"
        ) from exc
    return redis_asyncio


class RedisTokenBuckets:
    """``TokenBuckets`` kept in Redis under ``{prefix}:{name}``, shared by every server using it."""

    def __init__(self, url: str, prefix: str, per_minute: float, burst: int, timeout: float = 0.25) -> None:
        self._redis = import_redis()
        self.url, self.prefix = url, prefix
        self.rate, self.burst = per_minute / 60.0, float(burst)
        self.timeout = timeout
        self.lease = max(1, burst // 50)
        self.fallback = TokenBuckets(per_minute, burst)
        self._leased: dict[str, tuple[int, float]] = {}  # name -> (unspent tokens, taken at)
        self._client: Redis | None = None
        self._script: Any = None
        self._warned_at = -WARN_EVERY_SECONDS

    async def acquire(self, name: str) -> float:
        unspent, taken_at = self._leased.pop(name, (0, 0.0))
        if unspent and time.monotonic() - taken_at < LEASE_SECONDS:
            if unspent > 1:
                self._leased[name] = (unspent - 1, taken_at)
            return 0.0
        try:
            if self._script is None:  # made in the serving event loop, on first use
                self._client = self._redis.Redis.from_url(
                    self.url, socket_timeout=self.timeout, socket_connect_timeout=self.timeout
                )
                self._script = self._client.register_script(TAKE)
            answer = await self._script(
                keys=[f"{self.prefix}:{name}"], args=[self.rate, self.burst, self.lease]
            )
            granted, wait = answer.split()
            if int(granted) > 1:
                self._leased[name] = (int(granted) - 1, time.monotonic())
            return 0.0 if int(granted) else float(wait)
        except (self._redis.RedisError, OSError) as exc:
            self._warn(exc)
            return self.fallback.take(name)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client, self._script = None, None

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            log.warning(
                "rate limits: Redis at %s unreachable (%s); counting per process", redact_url(self.url), exc
            )
