"""Online A/B simulator: shoppers from real data drive a real ``shelfwise serve`` over HTTP.

Data: Amazon 2014 Beauty (or Toys) from ../shared. Each customer's last two items are held out:
they are what the shopper wants next; everything before is ingested as purchases (seeded times,
see ``seqrec_cli.order_times``). Prices are simulated (seeded, log-normal around 15): the data has
none, and revenue needs one.

1. Two versions from the same data: a weak one (``shelfwise train --model popularity``) and the
   strong default (``shelfwise train``, candidate ranker).
2. ``shelfwise serve`` (API keys on). Experiment A: control = weak, treatment = strong, 50/50, on
   the home placement. Each of ``--shoppers`` shoppers asks for 10 recommendations once, examines
   position p (0-based) with probability 0.85^p, clicks a wanted item when they examine it, and
   buys a clicked item with probability 0.3; clicks and purchases are posted with the list's
   request_id and position. The simulator tallies what it received and did, per variant.
   The report must say the strong version wins with p < 0.05, pass the SRM check, and its counts
   must equal the tally exactly.
3. Experiment B (new shoppers, three times as many by default: the check below compares two noisy
   figures, and the estimate's noise should not dominate), same variants with ``--exploration`` of
   the slots random (propensity logged); then ``experiments estimate`` for each version: the
   off-policy CTR must fall within the 95 % interval of the CTR that version earned live in A.

    .venv/bin/python benchmarks/online.py [--dataset beauty] [--shoppers 2000] [--home /tmp/sw-online]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

import seqrec_cli
from seqrec_cli import load, order_times

SHELFWISE = Path(sys.executable).with_name("shelfwise")
# ../shared/data beside the checkout; SHELFWISE_SHARED_DATA points elsewhere (e.g. from a worktree).
SHARED = Path(
    os.environ.get("SHELFWISE_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data")
)
seqrec_cli.DATA = SHARED / "amazon2014_seqrec"
LOOK = 0.85  # probability of examining the next position
BUY = 0.3  # probability of buying a clicked item
BUY_UNWANTED = 0.1  # ... one clicked for its appeal, not wanted (ctr_loop.py's shoppers only)
HELD_OUT = 2  # the last items of each customer: what the shopper wants


@dataclass
class Tally:
    customers: set[str] = field(default_factory=set)
    requests: int = 0
    impressions: int = 0
    clicks: int = 0
    purchases: int = 0
    revenue: float = 0.0
    wanted_clicks: int = 0  # clicks on an item the shopper wanted (the rest: its appeal, ctr_loop.py)

    def ctr_interval(self) -> tuple[float, float, float]:
        """CTR with a 95 % normal interval, clustered by list (a list's slots share one shopper)."""
        ctr = self.clicks / self.impressions
        return ctr, *_cluster_interval(self._per_list, ctr)

    _per_list: list[tuple[int, int]] = field(default_factory=list)  # (clicks, impressions) per list


def _cluster_interval(per_list: list[tuple[int, int]], ctr: float) -> tuple[float, float]:
    total = sum(n for _, n in per_list)
    variance = sum((c - ctr * n) ** 2 for c, n in per_list) / total**2
    half = 1.96 * math.sqrt(variance)
    return ctr - half, ctr + half


# ----------------------------------------------------------------------------- the shop
def build_home(home: Path, dataset: str, max_minutes: float) -> dict[str, Any]:
    """Ingest items and histories, train weak then strong; returns the held-out wants per user."""
    sequences, titles = load(dataset)
    stamps = order_times(sequences)
    rng = random.Random(7)
    prices = {
        item: round(math.exp(rng.gauss(math.log(15), 0.6)), 2) for item in {i for s in sequences for i in s}
    }
    env = _env(home)
    with tempfile.TemporaryDirectory() as tmp:
        items, events = Path(tmp) / "items.jsonl", Path(tmp) / "events.jsonl"
        with open(items, "w") as handle:
            for item in sorted(prices):
                title = titles.get(item) or f"item {item}"
                handle.write(
                    json.dumps({"item_id": f"i{item}", "title": title, "price": prices[item]}) + "\n"
                )
        with open(events, "w") as handle:
            for n, seq in enumerate(sequences):
                for position, item in enumerate(seq[:-HELD_OUT]):
                    row = {"user_id": f"u{n + 1}", "item_id": f"i{item}", "type": "purchase",
                           "timestamp": stamps[n][position], "price": prices[item]}  # fmt: skip
                    handle.write(json.dumps(row) + "\n")
        for args in (("ingest", "items", str(items)), ("ingest", "events", str(events))):
            _run(env, *args)
    (home / "online-prices.json").write_text(json.dumps({f"i{i}": p for i, p in prices.items()}))
    started = time.perf_counter()
    _run(env, "train", "--model", "popularity", "--max-minutes", str(max_minutes))
    weak_s = time.perf_counter() - started
    started = time.perf_counter()
    _run(env, "train", "--max-minutes", str(max_minutes))
    return {"train_weak_s": weak_s, "train_strong_s": time.perf_counter() - started}


def wants_of(dataset: str) -> dict[str, set[str]]:
    sequences, _ = load(dataset)
    return {f"u{n + 1}": {f"i{i}" for i in seq[-HELD_OUT:]} for n, seq in enumerate(sequences)}


def versions_of(home: Path) -> list[str]:
    return sorted(p.name for p in (home / "models").iterdir() if re.fullmatch(r"v\d{4,}", p.name))


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SHELFWISE_HOME": str(home),
        "OMP_NUM_THREADS": "1",
        "SHELFWISE_SERVE__RELOAD_POLL_SECONDS": "1",
    }


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(SHELFWISE), *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"shelfwise {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


# ----------------------------------------------------------------------------- the server
class Server:
    def __init__(self, home: Path) -> None:
        self.env = _env(home)
        self.keys = {
            s: _run(self.env, "keys", "create", "--scope", s).strip().splitlines()[-1]
            for s in ("read", "ingest", "admin")
        }
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log = open(home / "online-serve.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(SHELFWISE), "serve", "--port", str(self.port), "--log-level", "warning"],
            env=self.env, stdout=self.log, stderr=self.log,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 600
        while True:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start, see {home / 'online-serve.log'}")
            time.sleep(0.5)

    def client(self, scope: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.keys[scope]}"}, timeout=900
        )

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)
        self.log.close()


# ----------------------------------------------------------------------------- shoppers
def shop(
    server: Server,
    experiment: str,
    shoppers: list[str],
    wants: dict[str, set[str]],
    prices: dict[str, float],
    seed: int,
    appeal: Mapping[str, float] | None = None,
) -> dict[str, Tally]:
    """Each shopper asks for one list, looks, clicks what they want, sometimes buys; returns the
    simulator's own tally per variant (lists that carried ``experiment`` only).

    ``appeal`` (``ctr_loop.py``): an examined item the shopper does not want is still clicked with
    probability ``appeal[item]``, and such a click is bought with probability ``BUY_UNWANTED``."""
    rng = random.Random(seed)
    read, ingest = server.client("read"), server.client("ingest")
    tallies: dict[str, Tally] = defaultdict(Tally)
    events: list[dict[str, Any]] = []
    for shopper in shoppers:
        body = read.get(f"/v1/recommendations/{shopper}", params={"k": 10}).json()
        if body.get("experiment") != experiment:
            raise SystemExit(f"{shopper} got a list outside {experiment}: {body.get('experiment')}")
        tally = tallies[body["variant"]]
        tally.customers.add(body["customer_id"])
        tally.requests += 1
        tally.impressions += len(body["items"])
        clicks = 0
        for position, entry in enumerate(body["items"]):
            item = entry["item_id"]
            wanted = item in wants[shopper]
            if not wanted and appeal is None:
                continue  # (no draw: the random stream of plain online.py runs is unchanged)
            if rng.random() >= LOOK**position:
                continue
            if not wanted and rng.random() >= appeal.get(item, 0.0):  # type: ignore[union-attr]
                continue
            clicks += 1
            tally.wanted_clicks += wanted
            events.append(_event(shopper, "click", item, body["request_id"], position))
            if rng.random() < (BUY if wanted else BUY_UNWANTED):
                events.append(_event(shopper, "purchase", item, body["request_id"], position, prices[item]))
                tally.purchases += 1
                tally.revenue += prices[item]
        tally.clicks += clicks
        tally._per_list.append((clicks, len(body["items"])))
        if len(events) >= 100:
            _post(ingest, events)
    _post(ingest, events)
    return dict(tallies)


def _event(
    user: str, kind: str, item: str, request_id: str, position: int, price: float | None = None
) -> dict[str, Any]:
    return {
        "event_id": f"{kind}-{request_id}-{position}", "user_id": user, "type": kind, "item_id": item,
        "timestamp": time.time(), "request_id": request_id, "position": position, "placement": "home",
        **({"price": price, "value": 1} if price is not None else {}),
    }  # fmt: skip


def _post(client: httpx.Client, events: list[dict[str, Any]]) -> None:
    if events:
        response = client.post("/v1/events", json=events)
        if response.status_code != 200:
            raise SystemExit(f"events refused: {response.text}")
        events.clear()


def start_experiment(
    server: Server,
    name: str,
    weak: str,
    strong: str,
    exploration: float,
    stages_off: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    admin = server.client("admin")
    body = {"name": name, "placement": "home", "variants": {"control": weak, "treatment": strong},
            "traffic": [50, 50], "exploration": exploration, "stages_off": stages_off or {}}  # fmt: skip
    response = admin.post("/v1/admin/experiments", json=body)
    if response.status_code != 201:
        raise SystemExit(f"cannot create {name}: {response.text}")
    # The server routes the placement once both versions are loaded (in the background). A probe
    # account (not a shopper) asks until it is; its one routed list is counted like any other.
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        body = server.client("read").get("/v1/recommendations/probe-shopper", params={"k": 10}).json()
        if body.get("experiment") == name:
            return body
        time.sleep(1)
    raise SystemExit(f"{name} was not routed within 5 minutes")


def count_probe(tallies: dict[str, Tally], probe: dict[str, Any]) -> None:
    tally = tallies.setdefault(probe["variant"], Tally())
    tally.customers.add(probe["customer_id"])
    tally.requests += 1
    tally.impressions += len(probe["items"])
    tally._per_list.append((0, len(probe["items"])))


def report(server: Server, name: str, tallies: dict[str, Tally], probes: int = 0) -> dict[str, Any]:
    """The server's report once its log has every list and event of the run."""
    admin = server.client("admin")
    deadline = time.monotonic() + 60
    while True:
        found = admin.get(f"/v1/admin/experiments/{name}/report").json()
        if (
            all(found["variants"][v]["clicks"] >= t.clicks for v, t in tallies.items())
            or time.monotonic() > deadline
        ):
            return found
        time.sleep(1)


def compare(found: dict[str, Any], tallies: dict[str, Tally]) -> list[str]:
    """Differences between the report's counts and the simulator's own tally (none expected)."""
    problems = []
    for variant, tally in tallies.items():
        row = found["variants"][variant]
        ours = {"customers": len(tally.customers), "requests": tally.requests, "impressions": tally.impressions,
                "clicks": tally.clicks, "purchases": tally.purchases, "revenue": round(tally.revenue, 2)}  # fmt: skip
        for key, value in ours.items():
            if row[key] != value:
                problems.append(f"{variant} {key}: report {row[key]} vs simulator {value}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", choices=["beauty", "toys"], default="beauty")
    parser.add_argument("--shoppers", type=int, default=2000, help="shoppers in the A/B experiment")
    parser.add_argument(
        "--explore-shoppers",
        type=int,
        help="shoppers in the exploration experiment (default: 3 × --shoppers)",
    )
    parser.add_argument("--exploration", type=float, default=0.2)
    parser.add_argument("--max-minutes", type=float, default=3.0, help="training budget per version")
    parser.add_argument("--home", type=Path, help="build (or reuse) the shop here")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp) / "home"
        if not (home / "models").is_dir():
            print("building the shop:", build_home(home, args.dataset, args.max_minutes), flush=True)
        weak, strong = versions_of(home)[:2]  # trained in this order by build_home
        prices = json.loads((home / "online-prices.json").read_text())
        wants = wants_of(args.dataset)
        rng = random.Random(args.seed)
        explore_shoppers = args.explore_shoppers or 3 * args.shoppers
        chosen = rng.sample(sorted(wants), args.shoppers + explore_shoppers)
        group_a, group_b = chosen[: args.shoppers], chosen[args.shoppers :]
        server = Server(home)
        try:
            suffix = time.strftime("%H%M%S")
            ok = run_experiments(server, weak, strong, group_a, group_b, wants, prices, args, suffix)
        finally:
            server.stop()
    print(f"total {time.perf_counter() - started:.0f}s; {'ALL CHECKS PASS' if ok else 'SOME CHECKS FAILED'}")
    raise SystemExit(0 if ok else 1)


def run_experiments(
    server: Server, weak: str, strong: str, group_a: list[str], group_b: list[str],
    wants: dict[str, set[str]], prices: dict[str, float], args: argparse.Namespace, suffix: str,
) -> bool:  # fmt: skip
    admin = server.client("admin")
    checks: list[tuple[str, bool]] = []
    name = f"ab-{suffix}"
    probe = start_experiment(server, name, weak, strong, 0.0)
    t0 = time.perf_counter()
    tallies = shop(server, name, group_a, wants, prices, args.seed)
    count_probe(tallies, probe)
    print(
        f"\nexperiment A: {len(group_a)} shoppers in {time.perf_counter() - t0:.0f}s (weak {weak}, strong {strong})"
    )
    found = report(server, name, tallies)
    from shelfwise.cli.experiments import render_report
    from shelfwise.experiments.report import p_text

    print(render_report(found))
    problems = compare(found, tallies)
    p_ctr = found["p_value"]["treatment"]["ctr"]
    checks.append((f"strong version wins on CTR with p < 0.05 ({p_text(p_ctr)}, lift {found['lift']['treatment']['ctr']:+.0%})",
                   p_ctr < 0.05 and found["lift"]["treatment"]["ctr"] > 0))  # fmt: skip
    checks.append(
        (f"split passes the SRM check (p={found['srm_p_value']:.3g} ≥ 0.001)", found["srm_p_value"] >= 0.001)
    )
    checks.append(
        (
            "report counts equal the simulator's tally" + (": " + "; ".join(problems) if problems else ""),
            not problems,
        )
    )
    live = {variant: t.ctr_interval() for variant, t in tallies.items()}
    admin.post(f"/v1/admin/experiments/{name}/stop")

    explore_name = f"explore-{suffix}"
    probe = start_experiment(server, explore_name, weak, strong, args.exploration)
    t0 = time.perf_counter()
    explored = shop(server, explore_name, group_b, wants, prices, args.seed + 1)
    count_probe(explored, probe)
    report(server, explore_name, explored)
    print(
        f"\nexperiment B (exploration {args.exploration}): {len(group_b)} shoppers in {time.perf_counter() - t0:.0f}s"
    )
    admin.post(f"/v1/admin/experiments/{explore_name}/stop")
    for variant, version in (("control", weak), ("treatment", strong)):
        t0 = time.perf_counter()
        estimate = admin.get(
            "/v1/admin/experiments/estimate", params={"version": version, "experiment": explore_name}
        ).json()
        ctr, low, high = live[variant]
        print(f"  {version}: off-policy CTR {estimate['ctr']:.4f} (95% CI {estimate['ci95'][0]:.4f}…{estimate['ci95'][1]:.4f}, "
              f"{estimate['matched_slots']}/{estimate['slots']} slots matched, {time.perf_counter() - t0:.0f}s); "
              f"live CTR in A {ctr:.4f} (95% CI {low:.4f}…{high:.4f})")  # fmt: skip
        checks.append(
            (f"{version}: off-policy estimate within its live CTR interval", low <= estimate["ctr"] <= high)
        )
    print()
    for text, passed in checks:
        print(f"[{'PASS' if passed else 'FAIL'}] {text}")
    return all(passed for _, passed in checks)


if __name__ == "__main__":
    main()
