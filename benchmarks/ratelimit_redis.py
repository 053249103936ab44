"""What sharing rate limits through Redis costs and what it buys (issue 12: Redis only where it helps).

Two "servers" (two ``RateLimitMiddleware`` instances over a trivial ASGI app, in one process, no
sockets on the HTTP side) are called alternately, once with process-local buckets and once with
the buckets in Redis (``serve.redis_url``):

- admitted: requests let through out of 4 × burst sent to the two servers while no token is
  refilled (limit 0.06 a minute). With local buckets each server admits its own burst, so the
  shop gets twice its limit; with Redis the limit holds across both.
- cost: microseconds per request of the middleware with each kind of bucket (p50 / mean), i.e. the
  Redis round trip on this machine, measured in the same run.

    PYTHONPATH=src .venv/bin/python benchmarks/ratelimit_redis.py [--redis redis://127.0.0.1:6379/0] [--requests 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import time

import redis

from shelfwise.api.ratelimit import RateLimitMiddleware

BURST = 500  # the default serve.rate_limit_burst


async def _ok(scope, receive, send) -> None:  # the ASGI triple
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


def _servers(url: str | None, prefix: str, per_minute: float) -> list[RateLimitMiddleware]:
    return [
        RateLimitMiddleware(
            _ok,
            key_per_minute=0,
            address_per_minute=per_minute,
            burst=BURST,
            redis_url=url,
            redis_prefix=prefix,
        )
        for _ in range(2)
    ]


async def _call(app: RateLimitMiddleware) -> int:
    status: list[int] = []

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    scope = {"type": "http", "path": "/v1/items/x", "headers": [], "client": ("10.0.0.1", 5000)}
    await app(scope, None, send)  # type: ignore[arg-type]
    return status[0]


async def admitted(url: str | None, prefix: str) -> int:
    servers = _servers(url, prefix, per_minute=0.06)
    answers = [await _call(servers[n % 2]) for n in range(4 * BURST)]
    return answers.count(200)


async def cost_us(url: str | None, prefix: str, requests: int) -> tuple[float, float]:
    servers = _servers(url, prefix, per_minute=1e9)  # never throttled: only the bookkeeping is timed
    times = []
    for n in range(requests):
        started = time.perf_counter()
        await _call(servers[n % 2])
        times.append((time.perf_counter() - started) * 1e6)
    return statistics.median(times), statistics.fmean(times)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()
    prefix = f"sw-bench-{secrets.token_hex(4)}"
    try:
        print(
            f"load {os.getloadavg()[0]:.1f}; burst {BURST} per server, {4 * BURST} requests over two servers"
        )
        for name, url in (("process buckets", None), ("Redis buckets", args.redis)):
            count = await admitted(url, prefix + ":admit")
            p50, mean = await cost_us(url, prefix + ":cost", args.requests)
            print(
                f"{name:>16}: admitted {count} (limit {BURST}); middleware {p50:.0f} µs p50, {mean:.0f} µs mean"
            )
    finally:
        client = redis.Redis.from_url(args.redis)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


if __name__ == "__main__":
    asyncio.run(main())
