"""Impression-logging overhead, driven from ``benchmarks/serve.py --logging-overhead``.

Two ``shelfwise serve`` processes on the same trained home, identical but for
``SHELFWISE_FEEDBACK__LOG_IMPRESSIONS`` (false / true). The recommendation capacity of the server
without logging is measured (closed loop); then both get the same open-loop load at half that
capacity, in alternating rounds (off, on, on, off, ...) so drift on a shared machine hits both
alike. Printed: p50 / p99 of each and the ratio p99(on) / p99(off) (target <= 1.10), and the
impressions the logging server wrote against the items it served (must be equal after its stop).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import serve as bench  # benchmarks/serve.py: servers, load generators, request makers


def _start(env: dict[str, str], logging: bool) -> tuple[subprocess.Popen, int]:
    port = bench.free_port()
    flags = {**env, "SHELFWISE_FEEDBACK__LOG_IMPRESSIONS": "true" if logging else "false"}
    process = subprocess.Popen(
        [str(bench.SHELFWISE), "serve", "--port", str(port), "--log-level", "warning"], env=flags
    )
    bench.wait_ready(port, "/readyz", process, interval=0.1)
    return process, port


def _impressions(home: Path) -> int:
    with sqlite3.connect(home / "shelfwise.db") as db:
        return int(db.execute("SELECT COUNT(*) FROM impressions").fetchone()[0])


def run(args: argparse.Namespace, env: dict[str, str], headers: dict[str, str]) -> None:
    before = _impressions(args.home)
    servers = {name: _start(env, name == "on") for name in ("off", "on")}
    try:
        served = asyncio.run(_measure(args, {name: port for name, (_, port) in servers.items()}, headers))
    finally:
        for process, _ in servers.values():
            process.send_signal(signal.SIGTERM)  # a clean stop: the logger writes what it holds
            process.wait(timeout=60)
    written = _impressions(args.home) - before
    print(
        f"  items served by the logging server: {served}   impressions written: {written}   lost: {served - written}"
    )


async def _measure(args: argparse.Namespace, ports: dict[str, int], headers: dict[str, str]) -> int:
    make = bench.request_makers(0)["recommendations"]
    served = 0
    for name, port in ports.items():  # warm-up (what the logging server serves here is logged too)
        warm = await bench.open_loop(port, headers, make, 50.0, 3.0, keep_bodies=True)
        served += _items(warm) if name == "on" else 0
    capacity = await bench.closed_loop(
        ports["off"], headers, make, args.connections, args.seconds, args.max_requests
    )
    rate = max(capacity.throughput / 2, 1.0)
    print(
        f"\nimpression logging: recommendations capacity without logging {capacity.throughput:.0f} req/s; "
        f"open loop at {rate:.0f}/s, {args.rounds} alternating rounds of {args.seconds:g}s each ({bench.load()})"
    )
    results = {name: bench.Result() for name in ports}
    for round_no in range(args.rounds):
        order = ("off", "on") if round_no % 2 == 0 else ("on", "off")
        for name in order:
            started = time.perf_counter()
            result = await bench.open_loop(
                ports[name], headers, make, rate, args.seconds, keep_bodies=name == "on"
            )
            results[name].latencies += result.latencies
            for status, count in result.statuses.items():
                results[name].statuses[status] = results[name].statuses.get(status, 0) + count
            results[name].errors += result.errors
            results[name].elapsed += time.perf_counter() - started
            served += _items(result)
    for name in ("off", "on"):
        print("  " + results[name].line(f"logging {name} @ {rate:.0f}/s") + f"   ({bench.load()})")
    off, on = results["off"].pct(0.99), results["on"].pct(0.99)
    print(
        f"  p99 on / off: {on / off:.3f} (target <= 1.10)   p50 on / off: "
        f"{results['on'].pct(0.5) / results['off'].pct(0.5):.3f}"
    )
    return served


def _items(result: bench.Result) -> int:
    """Items in the lists answered (each carries one "item_id")."""
    return sum(body.count(b'"item_id"') for body in result.bodies)
