"""The cost of every stage as a shop grows: shops made from Beauty at several scales
(``scale_shop.py``), each ingested into SQLite and PostgreSQL and trained with the local and the Ray
engine, then served.

Per (scale, store, engine): event ingest time and rate, ``shelfwise train`` wall time and peak RSS
(``/usr/bin/time -v``: the train process and the children it waited for — Ray's workers belong to
the raylet and are not counted), the train job's own stage timings (manifest), start-up to
``/readyz`` and recommendation p50/p99 (sequential keep-alive GETs of random customers; once per
store, after its last train). Every stage has a timeout; a stage that times out or a scale not
reached before ``--deadline-minutes`` is reported as such. Then the growth exponent of every cost:
the slope of log(cost) against log(events), least squares over the scales that finished.

``--encoder fake`` swaps the language model for the tests' hashing encoder: on a shared machine it
keeps the run short, at the price of an encode stage that says nothing about MiniLM's cost.
The embedding cache is per run (the ONNX export is shared), so every train encodes its catalog:
the second engine does not ride on the first one's cache.

    .venv/bin/python benchmarks/scale.py --scales 0.1,0.3,1,3 [--stores sqlite,postgres]
        [--engines local,ray] [--max-minutes 2] [--stage-timeout 900] [--deadline-minutes 60]
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from ingest_pg import fresh_database  # a database per run, dropped after it
from scale_shop import write_shop

SHELFWISE = Path(sys.executable).with_name("shelfwise")
ONNX_CACHE = Path.home() / ".cache" / "shelfwise" / "onnx"
COSTS = ("ingest_s", "train_s", "train_rss_mb", "startup_s", "p99_ms")
STAGES = ("load_s", "encode_s", "fit_s", "complements_s", "search_s", "ctr_s")


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def store_url(store: str, home: Path, server: str) -> Iterator[str]:
    if store == "sqlite":
        yield f"sqlite:///{home / 'shelfwise.db'}"
    else:
        with fresh_database(server) as url:
            yield url


def run(cmd: list[str], env: dict[str, str], timeout: float) -> tuple[float, str]:
    """(wall seconds, stderr) of a CLI call; raises TimeoutError past ``timeout``."""
    started = time.perf_counter()
    # Its own process group: on a timeout the whole tree goes (``time -v``'s child, a Ray cluster),
    # not only the direct child.
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise TimeoutError(f"{' '.join(cmd[:3])} > {timeout:.0f}s") from None
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed: {stderr[-800:]}")
    return time.perf_counter() - started, stderr


def train(env: dict[str, str], home: Path, engine: str, args: argparse.Namespace) -> dict[str, float]:
    cache = home / f"cache-{engine}"
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    if ONNX_CACHE.is_dir():
        (cache / "onnx").symlink_to(ONNX_CACHE)
    env = env | {"SHELFWISE_ENCODERS__CACHE_DIR": str(cache)}
    cmd = ["/usr/bin/time", "-v", str(SHELFWISE), "train", "--max-minutes", str(args.max_minutes),
           "--engine", engine, *(["--encoder", args.encoder] if args.encoder else [])]
    seconds, stderr = run(cmd, env, args.stage_timeout)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    versions = sorted((home / "models").glob("v*/manifest.json"))
    manifest = json.loads(versions[-1].read_text())
    timings = manifest["timings"]
    out = {"train_s": seconds, "train_rss_mb": int(rss.group(1)) / 1024 if rss else math.nan,
           # The ranker's validation NDCG@10 (none when it fell back to the transition baseline) and
           # the steps the job skipped to keep --max-minutes.
           "valid_ndcg": float(manifest["metrics"].get("valid_ndcg@10", math.nan)),
           "skipped": ",".join(sorted(manifest["components"].get("skipped", {})))}
    return out | {k: float(timings.get(k, math.nan)) for k in STAGES}


def wait_ready(port: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"/readyz > {timeout:.0f}s")


def serve(env: dict[str, str], customers: int, args: argparse.Namespace) -> dict[str, float]:
    port = free_port()
    cmd = [str(SHELFWISE), "serve", "--no-auth", "--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        started = time.perf_counter()
        wait_ready(port, server, args.stage_timeout)
        startup = time.perf_counter() - started
        rng = random.Random(0)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies = []
        for _ in range(args.requests):
            t0 = time.perf_counter()
            conn.request("GET", f"/v1/recommendations/u{rng.randrange(customers)}?k=10")
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"recommendations answered {response.status}")
            latencies.append(time.perf_counter() - t0)
        ms = 1000 * np.array(latencies)
        return {"startup_s": startup, "p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99))}
    finally:
        server.terminate()
        server.wait(timeout=60)


def measure_store(scale: float, store: str, shop: object, args: argparse.Namespace, deadline: float) -> list[dict]:
    home = args.work / f"x{scale}-{store}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    rows: list[dict] = []
    base = {"scale": scale, "store": store, "events": shop.n_events, "items": shop.n_items,  # type: ignore[attr-defined]
            "customers": shop.n_customers}  # type: ignore[attr-defined]
    with store_url(store, home, args.server) as url:
        env = os.environ | {"SHELFWISE_HOME": str(home), "SHELFWISE_STORE_URL": url, "HF_HUB_OFFLINE": "1",
                            "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE"}
        if args.encoder == "fake":  # the tests' hashing encoder, for catalog and search alike
            env |= {"SHELFWISE_ENCODER_PLUGINS": "fake=shelfwise.encoders.fake:HashingEncoder",
                    "SHELFWISE_SEARCH__ENCODER": "fake"}
        ingest: dict[str, float | str] = {}
        try:
            run([str(SHELFWISE), "ingest", "items", str(shop.items)], env, args.stage_timeout)  # type: ignore[attr-defined]
            seconds, _ = run([str(SHELFWISE), "ingest", "events", str(shop.events)], env, args.stage_timeout)  # type: ignore[attr-defined]
            ingest = {"ingest_s": seconds, "ingest_eps": shop.n_events / seconds, "ingest_load": load()}  # type: ignore[attr-defined]
        except (TimeoutError, RuntimeError) as exc:
            return [base | {"engine": "-", "failed": f"ingest: {exc}"}]
        print(f"  {store} ingest: {ingest['ingest_s']:.1f}s ({ingest['ingest_eps']:.0f} events/s; {load()})", flush=True)
        for engine in args.engines:
            row = base | {"engine": engine} | ingest
            if time.monotonic() > deadline:
                rows.append(row | {"failed": "train: not run (deadline)"})
                continue
            try:
                row |= train(env, home, engine, args) | {"train_load": load()}
                print(f"  {store} {engine} train: {row['train_s']:.0f}s, {row['train_rss_mb']:.0f} MB ({load()})", flush=True)
            except (TimeoutError, RuntimeError) as exc:
                row["failed"] = f"train: {exc}"
            rows.append(row)
        if any("train_s" in r for r in rows) and time.monotonic() < deadline:
            try:
                served = serve(env, shop.n_customers, args) | {"serve_load": load()}  # type: ignore[attr-defined]
                print(f"  {store} serve: ready {served['startup_s']:.1f}s, p99 {served['p99_ms']:.1f} ms ({load()})", flush=True)
                for row in rows:
                    row.update(served)
            except (TimeoutError, RuntimeError) as exc:
                rows[-1]["failed"] = f"serve: {exc}"
    return rows


def exponent(rows: list[dict], key: str) -> float:
    points = [(r["events"], r[key]) for r in rows if isinstance(r.get(key), float) and r[key] > 0]
    if len({e for e, _ in points}) < 2:
        return math.nan
    x, y = np.log([p[0] for p in points]), np.log([p[1] for p in points])
    return float(np.polyfit(x, y, 1)[0])


def report(rows: list[dict]) -> str:
    head = ["scale", "events", "items", "store", "engine", "ingest ev/s", "ingest s", "train s", "train MB",
            "load s", "encode s", "fit s", "compl s", "search s", "ctr s", "ready s", "p99 ms", "valid NDCG@10", "skipped", "load (train)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def f(row: dict, key: str, fmt: str = "{:.1f}") -> str:
        value = row.get(key)
        return fmt.format(value) if isinstance(value, float) and not math.isnan(value) else "–"

    for r in rows:
        cells = [f"{r['scale']:g}×", str(r["events"]), str(r["items"]), r["store"], r["engine"],
                 f(r, "ingest_eps", "{:.0f}"), f(r, "ingest_s"), f(r, "train_s"), f(r, "train_rss_mb", "{:.0f}"),
                 *(f(r, k) for k in STAGES), f(r, "startup_s"), f(r, "p99_ms"),
                 f(r, "valid_ndcg", "{:.4f}"), r.get("skipped", "") or "–",
                 r.get("train_load", "") + (f" — {r['failed']}" if "failed" in r else "")]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Growth exponents (cost ∝ events^k, least squares on log-log over the finished scales):", "",
              "| store | engine | " + " | ".join(COSTS + STAGES) + " |", "|" + "---|" * (2 + len(COSTS + STAGES))]
    for store in dict.fromkeys(r["store"] for r in rows):
        for engine in dict.fromkeys(r["engine"] for r in rows if r["store"] == store):
            group = [r for r in rows if r["store"] == store and r["engine"] == engine]
            ks = [exponent(group, k) for k in COSTS + STAGES]
            lines.append(f"| {store} | {engine} | " + " | ".join("–" if math.isnan(k) else f"{k:.2f}" for k in ks) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="0.1,0.3,1,3")
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--engines", default="local,ray")
    parser.add_argument("--max-minutes", type=float, default=2.0, help="shelfwise train --max-minutes")
    parser.add_argument("--stage-timeout", type=float, default=900.0, help="seconds per stage")
    parser.add_argument("--deadline-minutes", type=float, default=60.0, help="no new stage after this")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--encoder", help="train --encoder (fake: the hashing encoder, no language model)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/shelfwise-scale"))
    parser.add_argument("--server", default="postgresql://root@127.0.0.1:5432/postgres")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    args.engines = args.engines.split(",")
    deadline = time.monotonic() + 60 * args.deadline_minutes
    rows: list[dict] = []
    for scale in [float(s) for s in args.scales.split(",")]:
        if time.monotonic() > deadline:
            rows.append({"scale": scale, "store": "-", "engine": "-", "events": 0, "items": 0,
                         "failed": "not run (deadline)"})
            continue
        shop = write_shop(args.work / f"shop-x{scale}", scale)
        print(f"{scale}×: {shop.n_events} events, {shop.n_items} items, {shop.n_customers} customers ({load()})",
              flush=True)
        for store in args.stores.split(","):
            rows += measure_store(scale, store, shop, args, deadline)
            if args.json:
                args.json.write_text(json.dumps(rows, indent=1))
    print(report(rows))


if __name__ == "__main__":
    main()
