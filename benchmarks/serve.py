"""Serving benchmark on a Beauty-sized shop (Amazon 2014 Beauty: 12,101 items, 22,363 customers,
198,502 purchases), localhost only, bounded in requests and time.

1. Builds a home (once; reused with --home): items with their titles, every purchase in order,
   ``train`` (--model candidate_ranker by default: what ``shelfwise train`` produces; --max-minutes N).
2. Starts ``shelfwise serve`` (API keys on) and, beside it, a bare FastAPI app with one endpoint
   returning a similar small JSON list, both one uvicorn process, same flags.
3. Capacity: closed loop with --connections keep-alive connections for --seconds per endpoint
   (recommendations, search, bare). Moderate load: open loop at half the measured capacity,
   p50/p99. Event-to-visible: POST an event, then GET the customer until it shows (delay).
   Recommendations are measured twice: unique customers (each asked once in the whole run, so
   the server's per-customer ranking cache cannot answer: the cold figure) and 500 returning
   customers, each asked once before (answered from that cache: the warm figure).
4. --logging-overhead: instead of 2-3, recommendation p99 with impression logging off and on in the
   same run (``serve_logging.py``).
5. --overload-seconds S: open loop at twice the recommendation capacity for S seconds, a fifth of
   the requests POSTing events with unique ids; reports 5xx and compares acknowledged events with
   the events found in the store afterwards (must be equal).

The load generator is a small asyncio HTTP/1.1 keep-alive client (httpx would be the bottleneck).

    .venv/bin/python benchmarks/serve.py [--home /tmp/sw-bench] [--seconds 10] [--overload-seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(
    os.environ.get(
        "SHELFWISE_BEAUTY_DATA",
        Path(__file__).resolve().parents[1].parent / "shared" / "data" / "amazon2014_seqrec" / "beauty",
    )
)
SHELFWISE = Path(sys.executable).with_name("shelfwise")
T0 = 1_600_000_000

BARE_APP = textwrap.dedent(
    """
    import uvicorn, sys
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/bare/{user_id}")
    async def bare(user_id: str, k: int = 10) -> dict:
        return {"items": [{"item_id": str(i), "score": 1.0 / (i + 1), "reasons": ["bare"]} for i in range(k)]}

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
    """
)


# ----------------------------------------------------------------------------- data and servers
def build_home(home: Path, model: str, encoder: str, max_minutes: float, env: dict[str, str]) -> None:
    if (home / "models").is_dir():
        print(f"reusing {home}")
        return
    home.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="sw-bench-"))
    titles = {}
    for line in (DATA / "items_derived.tsv").read_text().splitlines()[1:]:
        item_id, _asin, title = [*line.split("\t"), "", ""][:3]
        titles[item_id] = title.strip() or f"item {item_id}"
    with open(work / "items.jsonl", "w") as handle:
        for item_id, title in titles.items():
            handle.write(json.dumps({"item_id": item_id, "title": title}) + "\n")
    with gzip.open(DATA / "s3rec_Beauty.txt.gz", "rt") as source, open(work / "events.jsonl", "w") as handle:
        for line in source:
            user, *items = line.split()
            for step, item in enumerate(items):
                handle.write(
                    json.dumps(
                        {
                            "user_id": f"u{user}",
                            "item_id": item,
                            "type": "purchase",
                            "timestamp": T0 + int(user) * 1000 + step,
                            "channel": "web",
                        }
                    )
                    + "\n"
                )
    started = time.perf_counter()
    for kind, name in (("items", "items.jsonl"), ("events", "events.jsonl")):
        subprocess.run(
            [str(SHELFWISE), "ingest", kind, str(work / name)], env=env, check=True, capture_output=True
        )
    print(f"ingested Beauty in {time.perf_counter() - started:.0f}s")
    started = time.perf_counter()
    code = (
        "from shelfwise.service.context import ServiceContext\n"
        "from shelfwise.training.job import TrainOptions, train\n"
        "ctx = ServiceContext()\n"
        f"print(train(ctx.settings, ctx.store, TrainOptions(max_minutes={max_minutes}, progress=False, "
        f"encoder={encoder!r}, model={model!r})))\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    print(f"trained ({model}, {encoder}) in {time.perf_counter() - started:.0f}s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def load() -> str:
    """The 1-minute load average: the machine is shared, so every figure carries it."""
    return f"load {os.getloadavg()[0]:.1f}"


def cli_search(env: dict[str, str]) -> float:
    """Wall-clock seconds of one ``shelfwise search`` command (process start to exit)."""
    started = time.perf_counter()
    subprocess.run([str(SHELFWISE), "search", "vitamin c serum"], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def wait_ready(
    port: int, path: str, process: subprocess.Popen, timeout: float = 180, interval: float = 0.2
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                if b" 200 " in conn.recv(100):
                    return
        except OSError:
            pass
        time.sleep(interval)
    raise SystemExit(f"server on {port} not ready after {timeout}s")


# ----------------------------------------------------------------------------- load generator
@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    elapsed: float = 0.0
    bodies: list[bytes] = field(default_factory=list)

    def add(self, status: int, latency: float) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.latencies.append(latency)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(int(q * len(ordered)), len(ordered) - 1)] * 1000

    def line(self, name: str) -> str:
        codes = " ".join(f"{k}:{v}" for k, v in sorted(self.statuses.items()))
        return (
            f"{name:<28} {self.throughput:8.0f} req/s   p50 {self.pct(0.50):6.2f} ms   p99 {self.pct(0.99):7.2f} ms"
            f"   n={len(self.latencies)} [{codes}] errors={self.errors}"
        )


class Connection:
    """One keep-alive HTTP/1.1 connection; requests are sent one at a time."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port = port
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        reused = self.writer is not None
        try:
            return await self._send(method, path, body)
        except (ConnectionError, asyncio.IncompleteReadError):
            # The server closes idle keep-alive connections (uvicorn: after 5 s); like any HTTP client,
            # retry once on a fresh connection. Safe for our POSTs too: events carry an event_id.
            self.close()
            if not reused:
                raise
            return await self._send(method, path, body)

    async def _send(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = f"{method} {path} HTTP/1.1\r\nHost: localhost\r\n{self.extra}"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        assert self.reader is not None
        header = await self.reader.readuntil(b"\r\n\r\n")
        status = int(header[9:12])
        length = 0
        for line in header.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


Request = tuple[str, str, bytes]


async def closed_loop(
    port: int,
    headers: dict[str, str],
    make: Callable[[], Request],
    connections: int,
    seconds: float,
    max_requests: int,
) -> Result:
    result = Result()
    stop = time.perf_counter() + seconds
    budget = [max_requests]

    async def worker() -> None:
        conn = Connection(port, headers)
        try:
            while time.perf_counter() < stop and budget[0] > 0:
                budget[0] -= 1
                method, path, body = make()
                started = time.perf_counter()
                try:
                    status, _ = await conn.request(method, path, body)
                except (OSError, asyncio.IncompleteReadError):
                    result.errors += 1
                    conn.close()
                    continue
                result.add(status, time.perf_counter() - started)
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    result.elapsed = time.perf_counter() - started
    return result


async def open_loop(
    port: int,
    headers: dict[str, str],
    make: Callable[[], Request],
    rate: float,
    seconds: float,
    pool_size: int = 256,
    keep_bodies: bool = False,
) -> Result:
    """Requests started at ``rate`` per second regardless of answers (latency includes queueing)."""
    result = Result()
    idle: asyncio.LifoQueue[Connection] = asyncio.LifoQueue()  # hot connections first
    for _ in range(pool_size):
        idle.put_nowait(Connection(port, headers))
    tasks = []

    async def one(request: Request, due: float) -> None:
        conn = await idle.get()
        try:
            status, body = await asyncio.wait_for(conn.request(*request), timeout=30)
            result.add(status, time.perf_counter() - due)
            if keep_bodies:
                result.bodies.append(body)
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            result.errors += 1
            conn.close()
        finally:
            idle.put_nowait(conn)

    started = time.perf_counter()
    n = 0
    while (now := time.perf_counter()) - started < seconds:
        due = started + n / rate
        if due > now:
            await asyncio.sleep(due - now)
        tasks.append(asyncio.create_task(one(make(), due)))
        n += 1
    await asyncio.gather(*tasks)
    result.elapsed = time.perf_counter() - started
    while not idle.empty():
        idle.get_nowait().close()
    return result


# ----------------------------------------------------------------------------- scenarios
RETURNING = 500  # customers of the "returning" runs, each asked once before they are measured


class UniqueCustomers:
    """Each customer once, in a seeded shuffled order, across every run of the benchmark: with the
    server's ranking cache on, a first request cannot be answered from it (cold). ``repeats``
    counts requests made after all 22,363 customers were used (they may be warm)."""

    def __init__(self, rng: random.Random) -> None:
        self.users = [f"u{n}" for n in range(RETURNING + 1, 22364)]
        rng.shuffle(self.users)
        self.used = 0
        self.repeats = 0

    def __call__(self) -> Request:
        user = self.users[self.used % len(self.users)]
        self.used += 1
        self.repeats += self.used > len(self.users)
        return ("GET", f"/v1/recommendations/{user}?k=10", b"")


def request_makers(seed: int) -> dict[str, Callable[[], Request]]:
    """``recommendations``: unique customers (cold); ``returning``: the first RETURNING customers
    again and again (answered from the ranking cache once asked, as long as no event comes)."""
    rng = random.Random(seed)
    users = [f"u{n}" for n in range(1, 22364)]
    returning = users[:RETURNING]
    words = [
        w
        for line in (DATA / "items_derived.tsv").read_text().splitlines()[1:2000]
        for w in line.split("\t")[-1].split()
        if w.isalpha() and len(w) > 3
    ]
    return {
        "recommendations": UniqueCustomers(rng),
        "returning": lambda: ("GET", f"/v1/recommendations/{rng.choice(returning)}?k=10", b""),
        "search": lambda: ("GET", f"/v1/search?q={rng.choice(words)}+{rng.choice(words)}&k=10", b""),
        "bare": lambda: ("GET", f"/bare/{rng.choice(users)}?k=10", b""),
    }


def warm_returning() -> Callable[[], Request]:
    """Each returning customer once, in order (the warm-up that fills the ranking cache)."""
    order = iter(range(1, RETURNING + 1))
    return lambda: ("GET", f"/v1/recommendations/u{next(order)}?k=10", b"")


async def event_to_visible(port: int, headers: dict[str, str], trials: int) -> list[float]:
    """POST a view on one connection, then GET the customer on another until the event shows;
    seconds from the POST's start. With several workers the two connections may reach different
    processes, so this includes the catch-up delay between workers."""
    writer, reader = Connection(port, headers), Connection(port, headers)
    delays = []
    for n in range(trials):
        user, item = f"u{1 + n * 7}", str(1 + (n * 31) % 12000)
        stamp = 3_000_000_000 + time.time()  # newer than anything a previous run left in the store
        event = json.dumps(
            [
                {
                    "event_id": f"visible-{time.time_ns()}-{n}",
                    "user_id": user,
                    "item_id": item,
                    "type": "view",
                    "timestamp": stamp,
                    "channel": "app",
                }
            ]
        ).encode()
        started = time.perf_counter()
        status, _ = await writer.request("POST", "/v1/events", event)
        assert status == 200, status
        while True:
            _, body = await reader.request("GET", f"/v1/customers/{user}")
            recent = json.loads(body)["recent"]
            if recent and recent[0]["timestamp"] == stamp and recent[0]["item_id"] == item:
                break
            if time.perf_counter() - started > 5:
                raise SystemExit("an acknowledged event was not visible after 5 s")
        delays.append(time.perf_counter() - started)
    writer.close()
    reader.close()
    return delays


async def overload(
    port: int, headers: dict[str, str], reads: Callable[[], Request], rate: float, seconds: float, tag: str
) -> tuple[Result, int]:
    rng = random.Random(7)
    counter = [0]

    def mixed() -> Request:
        if rng.random() < 0.2:
            counter[0] += 1
            event = [
                {
                    "event_id": f"{tag}-{counter[0]}",
                    "user_id": f"u{rng.randint(1, 22363)}",
                    "item_id": str(rng.randint(1, 12101)),
                    "type": "view",
                    "timestamp": T0 + 2 * 10**8 + counter[0],
                    "channel": "app",
                }
            ]
            return ("POST", "/v1/events", json.dumps(event).encode())
        return reads()

    result = await open_loop(port, headers, mixed, rate, seconds, keep_bodies=True)
    acked = 0  # events the server confirmed it holds (stored now, or already: a retried POST)
    for body in result.bodies:
        if body.startswith(b'{"stored"'):
            answer = json.loads(body)
            acked += answer["stored"] + answer["duplicate"]
    return result, acked


def stored_events(home: Path, tag: str) -> int:
    with sqlite3.connect(home / "shelfwise.db") as db:
        return int(
            db.execute("SELECT COUNT(*) FROM events WHERE event_id LIKE ?", (f"{tag}-%",)).fetchone()[0]
        )


# ----------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--home", type=Path, default=Path(tempfile.gettempdir()) / "shelfwise-bench-serve")
    parser.add_argument("--model", default="candidate_ranker", choices=["transitions", "candidate_ranker"])
    parser.add_argument("--encoder", default="minilm", choices=["minilm", "fake"])
    parser.add_argument("--max-minutes", type=float, default=20.0, help="train budget (shelfwise's default)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0, help="per capacity / moderate-load run")
    parser.add_argument("--max-requests", type=int, default=50_000, help="per closed-loop run")
    parser.add_argument("--visible-trials", type=int, default=200)
    parser.add_argument("--overload-seconds", type=float, default=0.0)
    parser.add_argument("--workers", type=int, default=1, help="`shelfwise serve --workers`")
    parser.add_argument("--light-rate", type=float, default=10.0, help="requests/s of the light-load run")
    parser.add_argument(
        "--logging-overhead",
        action="store_true",
        help="only compare recommendation latency with impression logging off and on (serve_logging.py)",
    )
    parser.add_argument(
        "--rounds", type=int, default=6, help="alternating off/on rounds of --logging-overhead"
    )
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"{DATA} is missing")

    env = {
        **os.environ,
        "SHELFWISE_HOME": str(args.home),
        "OMP_NUM_THREADS": "1",
        "OMP_WAIT_POLICY": "PASSIVE",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "SHELFWISE_SERVE__RELOAD_POLL_SECONDS": "5",
        # One client measures capacity and overload: the per-address and per-key limits would only
        # measure themselves (they are tested in tests/api/test_rate_limits.py).
        "SHELFWISE_SERVE__RATE_LIMIT_KEY_PER_MINUTE": "0",
        "SHELFWISE_SERVE__RATE_LIMIT_ADDRESS_PER_MINUTE": "0",
    }
    if args.encoder == "fake":
        env["SHELFWISE_SEARCH__ENCODER"] = "fake"
    build_home(args.home, args.model, args.encoder, args.max_minutes, env)
    created = subprocess.run(
        [str(SHELFWISE), "keys", "create", "--scope", "admin", "--name", "bench"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    headers = {"Authorization": f"Bearer {created.stdout.strip().splitlines()[-1]}"}
    if args.logging_overhead:
        import serve_logging  # beside this file

        serve_logging.run(args, env, headers)
        return

    api_port, bare_port = free_port(), free_port()
    serve = [str(SHELFWISE), "serve", "--port", str(api_port), "--workers", str(args.workers)]
    api = subprocess.Popen([*serve, "--log-level", "warning"], env=env)
    bare = subprocess.Popen([sys.executable, "-c", BARE_APP, str(bare_port)], env=env)
    try:
        started = time.perf_counter()
        wait_ready(api_port, "/healthz", api, interval=0.05)
        alive = time.perf_counter() - started
        wait_ready(api_port, "/readyz", api, interval=0.05)
        ready = time.perf_counter() - started
        wait_ready(bare_port, "/bare/x", bare)
        print(
            f"start-up: /healthz after {alive:.1f}s, /readyz after {ready:.1f}s "
            f"(API on :{api_port}, bare on :{bare_port}; {load()})"
        )
        print(f"one-off CLI search: {cli_search(env):.2f}s ({load()})")
        asyncio.run(run(args, api_port, bare_port, headers))
    finally:
        for process in (api, bare):
            process.terminate()
            process.wait(timeout=30)


async def run(args: argparse.Namespace, api_port: int, bare_port: int, headers: dict[str, str]) -> None:
    makers = request_makers(0)
    for name, port in (("recommendations", api_port), ("search", api_port)):  # warm-up
        await closed_loop(port, headers, makers[name], 2, 2.0, 200)
    await closed_loop(bare_port, {}, makers["bare"], 2, 1.0, 200)
    await closed_loop(api_port, headers, warm_returning(), 1, 60.0, RETURNING)

    print(
        f"\ncapacity: closed loop, {args.connections} connections, up to {args.seconds:g}s / "
        f"{args.max_requests} requests each"
    )
    names = {
        "bare": "bare FastAPI endpoint",
        "recommendations": "recommendations, unique customers (cold)",
        "returning": f"recommendations, {RETURNING} returning customers (ranking cache warm)",
        "search": "search",
    }
    capacity = {}
    for key, port, hdrs in (
        ("bare", bare_port, {}),
        ("recommendations", api_port, headers),
        ("returning", api_port, headers),
        ("search", api_port, headers),
    ):
        result = await closed_loop(port, hdrs, makers[key], args.connections, args.seconds, args.max_requests)
        capacity[key] = result.throughput
        print("  " + result.line(key) + f"   ({load()})  {names[key]}")
    for key in ("recommendations", "returning", "search"):
        print(f"  {names[key]} / bare throughput: {capacity[key] / capacity['bare']:.2f}")

    print("\nmoderate load: open loop at half of each endpoint's capacity")
    for key, port, hdrs in (
        ("bare", bare_port, {}),
        ("recommendations", api_port, headers),
        ("returning", api_port, headers),
        ("search", api_port, headers),
    ):
        rate = max(capacity[key] / 2, 1.0)
        result = await open_loop(port, hdrs, makers[key], rate, args.seconds)
        print("  " + result.line(f"{key} @ {rate:.0f}/s") + f"   ({load()})")
    print(f"\nlight load: open loop at {args.light_rate:g} requests/s")
    for key in ("recommendations", "returning", "search"):
        result = await open_loop(api_port, headers, makers[key], args.light_rate, args.seconds)
        print("  " + result.line(f"{key} @ {args.light_rate:g}/s") + f"   ({load()})")

    unique = makers["recommendations"]
    assert isinstance(unique, UniqueCustomers)
    print(
        f"  (unique-customer runs: {unique.used} requests, {unique.repeats} of them to a customer "
        "already asked: those may have been warm)"
    )

    delays = await event_to_visible(api_port, headers, args.visible_trials)
    print(
        f"\nevent → visible in the customer's profile (POST, then GET until shown), {len(delays)} trials: "
        f"median {statistics.median(delays) * 1000:.2f} ms, max {max(delays) * 1000:.2f} ms"
    )

    if args.overload_seconds > 0:
        rate = 2 * capacity["recommendations"]
        tag = f"overload-{time.time_ns()}"
        result, acked = await overload(
            api_port, headers, makers["recommendations"], rate, args.overload_seconds, tag
        )
        server_errors = sum(n for status, n in result.statuses.items() if status >= 500)
        stored = stored_events(args.home, tag)
        print(
            f"\noverload: open loop at {rate:.0f}/s (2x capacity) for {args.overload_seconds:g}s, 20% event POSTs"
        )
        print("  " + result.line("mixed"))
        print(
            f"  5xx: {server_errors}   events acknowledged: {acked}   found in the store: {stored}   "
            f"lost: {acked - stored}"
        )


if __name__ == "__main__":
    main()
