"""Where the time of one recommendation and one search goes, in process (no HTTP): cProfile over
``--n`` requests on a trained home, plus plain wall-clock percentiles without the profiler.

    SHELFWISE_HOME=/tmp/sw-beauty .venv/bin/python benchmarks/profile_request.py recommend --n 300
    SHELFWISE_HOME=/tmp/sw-hd .venv/bin/python benchmarks/profile_request.py search --queries q.txt

The engine is the server's (``ServingEngine``: live profiles, warm model), started without the
model poller. Prints the 1-minute load average next to every figure: the machine is shared.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def _timed(calls: list[Callable[[], object]]) -> list[float]:
    out = []
    for call in calls:
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _summary(name: str, ms: list[float]) -> str:
    ordered = sorted(ms)
    p99 = ordered[min(int(0.99 * len(ordered)), len(ordered) - 1)]
    return f"{name}: n={len(ms)} p50 {statistics.median(ms):.2f} ms  mean {statistics.mean(ms):.2f} ms  p99 {p99:.2f} ms  ({_load()})"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=["recommend", "search"])
    parser.add_argument("--n", type=int, default=300, help="requests per timing pass")
    parser.add_argument("--queries", type=Path, help="search: one query a line (default: catalog titles)")
    parser.add_argument("--top", type=int, default=30, help="profile lines shown")
    parser.add_argument("--sort", default="cumulative")
    args = parser.parse_args()

    from shelfwise.service.context import ServiceContext
    from shelfwise.service.serving import ServingEngine

    started = time.perf_counter()
    engine = ServingEngine(ServiceContext())
    engine.start(poll=False)
    print(f"engine started in {time.perf_counter() - started:.1f}s ({_load()}), model {engine.version}")
    rng = random.Random(0)
    if args.what == "recommend":
        users = sorted(profile.customer_id for profile in engine.profiles.customers())
        picks = [rng.choice(users) for _ in range(args.n)]
        calls: list[Callable[[], object]] = [lambda u=u: engine.recommend(u, 10) for u in picks]
    else:
        if args.queries:
            queries = [q.strip() for q in args.queries.read_text().splitlines() if q.strip()]
        else:
            titles = [item.title for item in engine.catalog.values()]
            queries = [" ".join(rng.choice(titles).split()[:3]) for _ in range(args.n)]
        picks = [rng.choice(queries) for _ in range(args.n)]
        calls = [lambda q=q: engine.search(q, None, 10) for q in picks]
    _timed(calls[:20])  # warm-up
    print(_summary(f"{args.what} (no profiler)", _timed(calls)))
    profiler = cProfile.Profile()
    profiler.enable()
    _timed(calls)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats(args.sort).print_stats(args.top)
    print(text.getvalue())
    engine.stop()


if __name__ == "__main__":
    main()
