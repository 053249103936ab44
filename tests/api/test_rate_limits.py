"""Rate limits per API key and per client address: 429 with Retry-After, refilled over time."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from shelfwise.api import create_app
from shelfwise.api.ratelimit import TokenBuckets
from shelfwise.service.context import ServiceContext
from shelfwise.service.keys import KeyService
from shelfwise.settings import Settings


def _limited(base: Settings, **serve: object) -> Settings:
    overrides = {"reload_poll_seconds": 0, "key_cache_seconds": 0, **serve}
    return base.model_copy(update={"serve": base.serve.model_copy(update=overrides)})


def test_buckets_allow_a_burst_then_refill_at_the_rate() -> None:
    now = [0.0]
    buckets = TokenBuckets(per_minute=60, burst=3, clock=lambda: now[0])
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == 1.0  # one token a second: wait one second
    assert buckets.take("b") == 0.0  # another name has its own bucket
    now[0] = 2.5
    assert buckets.take("a") == 0.0 and buckets.take("a") == 0.0
    assert 0 < buckets.take("a") <= 1.0


def test_an_address_over_its_limit_gets_429_with_retry_after(shop: Callable[[], Settings]) -> None:
    settings = _limited(
        shop(), auth=False, rate_limit_address_per_minute=6, rate_limit_burst=2, rate_limit_key_per_minute=0
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/recommendations/web-bob").status_code == 200
        assert client.get("/v1/items/socks").status_code == 200
        refused = client.get("/v1/recommendations/web-bob")
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "10"  # 6 a minute: one every 10 s
        assert "client address" in refused.json()["detail"]
        assert client.get("/healthz").status_code == 200  # probes are never throttled


def test_each_api_key_has_its_own_limit(shop: Callable[[], Settings]) -> None:
    settings = _limited(
        shop(), auth=True, rate_limit_key_per_minute=2, rate_limit_burst=2, rate_limit_address_per_minute=0
    )
    ctx = ServiceContext(settings)
    first, second = (KeyService(ctx).create(["read"]).key for _ in range(2))
    ctx.close()
    with TestClient(create_app(settings)) as client:
        for _ in range(2):
            ok = client.get("/v1/items/socks", headers={"Authorization": f"Bearer {first}"})
            assert ok.status_code == 200
        refused = client.get("/v1/items/socks", headers={"Authorization": f"Bearer {first}"})
        assert refused.status_code == 429 and refused.headers["retry-after"] == "30"
        assert "API key" in refused.json()["detail"]
        other = client.get("/v1/items/socks", headers={"Authorization": f"Bearer {second}"})
        assert other.status_code == 200
