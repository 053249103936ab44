"""Rate limits shared through Redis: several servers spend one budget per key and per address,
and a Redis that goes away leaves each server limiting on its own instead of failing requests."""

from __future__ import annotations

import asyncio
import logging
import secrets
import sys
from collections.abc import Callable, Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from shelfwise.api import create_app
from shelfwise.api.ratelimit_redis import RedisTokenBuckets, import_redis
from shelfwise.errors import ConfigError
from shelfwise.settings import Settings

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own in the machine's Redis, deleted afterwards."""
    name = f"sw-test-{secrets.token_hex(4)}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)
    client.close()


def _shared(base: Settings, prefix: str, url: str = REDIS_URL, **serve: object) -> Settings:
    overrides = {
        "reload_poll_seconds": 0, "auth": False, "redis_url": url, "redis_prefix": prefix,
        "rate_limit_key_per_minute": 0, "rate_limit_address_per_minute": 0.06, "rate_limit_burst": 3, **serve,
    }  # fmt: skip
    return base.model_copy(update={"serve": base.serve.model_copy(update=overrides)})


def test_two_servers_share_one_budget_per_address(shop: Callable[[], Settings], prefix: str) -> None:
    settings = _shared(shop(), prefix)
    with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
        answers = [client.get("/v1/items/socks").status_code for client in (first, second, first, second)]
        # Three tokens in all, not three per server: the fourth request, on either server, waits.
        assert answers == [200, 200, 200, 429]
        refused = second.get("/v1/items/socks")
        assert refused.status_code == 429
        assert 990 <= int(refused.headers["retry-after"]) <= 1000  # 0.06 a minute: one token per 1000 s
        assert first.get("/healthz").status_code == 200  # probes are never throttled


def test_without_redis_each_server_counts_alone(shop: Callable[[], Settings], prefix: str) -> None:
    settings = _shared(shop(), prefix, url="")
    with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
        answers = [client.get("/v1/items/socks").status_code for client in (first, second) * 4]
        assert answers == [200] * 6 + [429, 429]


def test_an_unreachable_redis_falls_back_to_the_process_buckets(
    shop: Callable[[], Settings], prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _shared(shop(), prefix, url="redis://127.0.0.1:1/0", rate_limit_burst=2)
    with caplog.at_level(logging.WARNING), TestClient(create_app(settings)) as client:
        answers = [client.get("/v1/items/socks").status_code for _ in range(3)]
    assert answers == [200, 200, 429]  # still limited, by this process alone; no request failed
    warnings = [r.getMessage() for r in caplog.records if "Redis" in r.getMessage()]
    assert len(warnings) == 1 and "counting per process" in warnings[0]  # once, not per request


def test_an_idle_bucket_expires_once_it_would_be_full(prefix: str) -> None:
    async def spend_one() -> float:
        buckets = RedisTokenBuckets(REDIS_URL, prefix, per_minute=60, burst=5)
        try:
            return await buckets.acquire("a")
        finally:
            await buckets.close()

    assert asyncio.run(spend_one()) == 0.0
    ttl = redis.Redis.from_url(REDIS_URL).ttl(f"{prefix}:a")
    assert 1 <= ttl <= 2  # one token spent at one a second: full again within two seconds


def test_a_missing_client_package_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis.asyncio", None)  # as if `shelfwise[redis]` were not installed
    with pytest.raises(ConfigError, match=r"pip install 'shelfwise\[redis\]'"):
        import_redis()


def test_leased_tokens_never_let_two_servers_past_the_limit(prefix: str) -> None:
    async def spend(requests: int) -> list[float]:
        servers = [RedisTokenBuckets(REDIS_URL, prefix, per_minute=0.06, burst=200) for _ in range(2)]
        try:
            assert servers[0].lease == 4  # a fiftieth of the burst per round trip
            return [await servers[n % 2].acquire("shop") for n in range(requests)]
        finally:
            for server in servers:
                await server.close()

    waits = asyncio.run(spend(600))
    assert waits.count(0.0) == 200  # the burst, across both servers, and not one token more
    assert all(wait > 0 for wait in waits[-100:])
