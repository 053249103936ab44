"""Where the time of one recommendation and one search goes, in process (no HTTP): cProfile over
``--n`` requests on a trained home, plus plain wall-clock percentiles without the profiler.

    SHELFWISE_HOME=/tmp/sw-beauty .venv/bin/python benchmarks/profile_request.py recommend --n 300
    SHELFWISE_HOME=/tmp/sw-hd .venv/bin/python benchmarks/profile_request.py search --queries q.txt
    SHELFWISE_HOME=/tmp/sw-beauty .venv/bin/python benchmarks/profile_request.py http --n 2000

The engine is the server's (``ServingEngine``: live profiles, warm model), started without the
model poller. Prints the 1-minute load average next to every figure: the machine is shared.

``http`` drives the ASGI app itself (no sockets, no uvicorn: the same for every app) with API keys
on: a bare FastAPI endpoint returning ten items, our ``/v1/recommendations`` route over a
*constant* answer (what the framework costs us: middleware, key check, route, JSON, impression
logging) and the same route over the real engine, first for ``--n`` distinct customers (cold),
then for the same customers again (returning: answered from the server's caches when it has them).
"""

from __future__ import annotations

import argparse
import asyncio
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


LOOP = asyncio.new_event_loop()  # one loop drives every ASGI call (like uvicorn's one thread)


def _asgi_get(app: object, path: str, headers: list[tuple[bytes, bytes]]) -> Callable[[], object]:
    """One GET through an ASGI app, run to completion on this thread's event loop."""
    route, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": route, "raw_path": route.encode(), "query_string": query.encode(),
        "root_path": "", "headers": [(b"host", b"localhost"), *headers],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.start" and message["status"] != 200:
            raise SystemExit(f"{path}: status {message['status']}")

    def call() -> object:
        return LOOP.run_until_complete(app(dict(scope), receive, send))  # type: ignore[operator]

    return call


def _http(engine: object, n: int, rng: random.Random) -> list[tuple[str, list[Callable[[], object]]]]:
    """Calls of the three apps of ``http`` (see the module docstring)."""
    from fastapi import FastAPI

    from shelfwise.api.app import create_app
    from shelfwise.service.keys import KeyService

    bare = FastAPI()

    @bare.get("/bare/{user_id}")
    async def bare_route(user_id: str, k: int = 10) -> dict[str, object]:
        return {"items": [{"item_id": str(i), "score": 1.0 / (i + 1), "reasons": ["bare"]} for i in range(k)]}

    key = KeyService(engine.context).create(["read"], name="profile_request").key  # type: ignore[attr-defined]
    headers = [(b"authorization", f"Bearer {key}".encode())]
    app = create_app(engine.context.settings, engine=engine)  # type: ignore[attr-defined]
    # The lifespan fills app.state (engine, keys); entered once and left open for the run.
    LOOP.run_until_complete(app.router.lifespan_context(app).__aenter__())
    users = sorted(p.customer_id for p in engine.profiles.customers())  # type: ignore[attr-defined]
    picks = rng.sample(users, n)
    real = [_asgi_get(app, f"/v1/recommendations/{u}?k=10", headers) for u in picks]
    fixed = engine.recommend(picks[0], 10)  # type: ignore[attr-defined]

    class Constant:
        """The active list service, answering one precomputed list (the framework's share)."""

        def recommend(self, *args: object, **kwargs: object) -> object:
            return fixed

    constant_app = create_app(engine.context.settings, engine=engine)  # type: ignore[attr-defined]
    LOOP.run_until_complete(constant_app.router.lifespan_context(constant_app).__aenter__())
    active = engine.active()  # type: ignore[attr-defined]
    real_lists = active.lists

    # The constant answers must not stay in the served-list cache (when the code has one): the real
    # runs would be answered from it.
    served_lists = getattr(engine, "served_lists", None)

    def constant(call: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            active.lists = Constant()
            capacity = served_lists.capacity if served_lists is not None else 0
            if served_lists is not None:
                served_lists.capacity = 0  # off: every request computes (here: the constant)
            try:
                return call()
            finally:
                active.lists = real_lists
                if served_lists is not None:
                    served_lists.capacity = capacity

        return run

    return [
        ("bare FastAPI endpoint", [_asgi_get(bare, f"/bare/{u}?k=10", []) for u in picks]),
        ("our route, constant answer", [constant(_asgi_get(constant_app, f"/v1/recommendations/{u}?k=10", headers)) for u in picks]),
        ("our route, real engine, distinct customers (cold)", real),
        ("our route, real engine, the same customers again (returning)", real),
    ]  # fmt: skip


def _profiled(calls: list[Callable[[], object]], sort: str, top: int, dump: str = "") -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    _timed(calls)
    profiler.disable()
    if dump:  # for pstats' callers / callees views
        profiler.dump_stats(dump)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats(sort).print_stats(top)
    return text.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=["recommend", "search", "http"])
    parser.add_argument("--n", type=int, default=300, help="requests per timing pass")
    parser.add_argument("--queries", type=Path, help="search: one query a line (default: catalog titles)")
    parser.add_argument("--top", type=int, default=30, help="profile lines shown")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--returning", action="store_true", help="recommend: profile returning customers")
    parser.add_argument("--dump", default="", help="write the (last) profile here (pstats format)")
    args = parser.parse_args()

    if args.what == "http":  # one client would only measure the rate limits (as in serve.py)
        os.environ["SHELFWISE_SERVE__RATE_LIMIT_KEY_PER_MINUTE"] = "0"
        os.environ["SHELFWISE_SERVE__RATE_LIMIT_ADDRESS_PER_MINUTE"] = "0"
    from shelfwise.service.context import ServiceContext
    from shelfwise.service.serving import ServingEngine

    started = time.perf_counter()
    engine = ServingEngine(ServiceContext())
    engine.start(poll=False)
    print(f"engine started in {time.perf_counter() - started:.1f}s ({_load()}), model {engine.version}")
    import threading

    for thread in threading.enumerate():  # the model's background warm-up (traces), if any
        if thread.name == "model-traces":
            thread.join()
            print(f"model warm-up done after {time.perf_counter() - started:.1f}s ({_load()})")
    rng = random.Random(0)
    if args.what == "http":
        runs = _http(engine, args.n, rng)
        for _, calls in runs[:2]:
            _timed(calls[:50])  # warm-up (the engine warmed its model when it loaded it)
        for name, calls in runs:
            print(_summary(f"{name} (no profiler)", _timed(calls)))
        # Profiled: the framework's share (constant answer) and returning customers (a third time).
        for n, (name, calls) in enumerate([runs[1], runs[3]]):
            dump = f"{args.dump}.{n}" if args.dump else ""
            print(f"--- {name}\n" + _profiled(calls, args.sort, args.top, dump))
        engine.stop()
        return
    if args.what == "recommend":
        # Distinct customers: each first request is cold (the ranking cache cannot answer it);
        # asked again with no event in between they are returning customers (it can).
        users = sorted(profile.customer_id for profile in engine.profiles.customers())
        picks = rng.sample(users, 2 * args.n + 20)
        warm, cold, profiled = picks[:20], picks[20 : 20 + args.n], picks[20 + args.n :]
        _timed([lambda u=u: engine.recommend(u, 10) for u in warm])
        first = [lambda u=u: engine.recommend(u, 10) for u in cold]
        print(_summary("recommend, unique customers (cold, no profiler)", _timed(first)))
        print(_summary("recommend, same customers again (returning, no profiler)", _timed(first)))
        if args.returning:
            print("profiled: the same customers a third time (returning)")
        else:
            print("profiled: other unique customers (cold)")
        again = first if args.returning else [lambda u=u: engine.recommend(u, 10) for u in profiled]
        print(_profiled(again, args.sort, args.top, args.dump))
        engine.stop()
        return
    else:
        if args.queries:
            queries = [q.strip() for q in args.queries.read_text().splitlines() if q.strip()]
        else:
            titles = [item.title for item in engine.catalog.values()]
            queries = [" ".join(rng.choice(titles).split()[:3]) for _ in range(args.n)]
        picks = [rng.choice(queries) for _ in range(args.n)]
        calls: list[Callable[[], object]] = [lambda q=q: engine.search(q, None, 10) for q in picks]
    _timed(calls[:20])  # warm-up
    print(_summary(f"{args.what} (no profiler)", _timed(calls)))
    print(_profiled(calls, args.sort, args.top, args.dump))
    engine.stop()


if __name__ == "__main__":
    main()
