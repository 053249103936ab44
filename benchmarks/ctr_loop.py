"""The loop closes: impressions logged in one A/B round teach the click model that wins the next.

Data and shop: ``benchmarks/online.py``'s (Amazon 2014 Beauty, each customer's last two items are
what the shopper wants, everything before ingested as purchases, simulated log-normal prices; a weak
``--model popularity`` version and the strong default, both trained before any impression exists).

Shoppers (this script's, on top of ``online.py``'s): a shopper examines slot p with probability
0.85^p and clicks an examined item they want, as in ``online.py``. In addition every item has an
**appeal**, the same for every shopper and independent of what they want: an examined item the
shopper does not want is clicked with probability

    appeal(item) = min(0.3, 0.01 · exp(z_item) · (15 / price)^0.5),  z_item ~ N(0, 1) (seeded)

(mean about 0.02): some items are clicked more when shown — an eye-catching title or picture
(``z``, which only the item's own impressions reveal) and a low price (which the click model sees as
a feature but the next-item model, trained on purchase sequences without prices, does not). Such
a click is bought with probability 0.1 (a wanted one with 0.3). Nothing of this reaches the models
except through the impressions and events the server logs: the click model must learn it.

1. Round 1 (logging): experiment control = weak, treatment = strong on the home placement, through a
   real ``shelfwise serve``; ``--shoppers`` shoppers; every list is logged as impressions, every
   click and purchase posted with its request_id.
2. The server stops (its impression log is flushed) and ``shelfwise train`` runs: a new version whose
   click model learned from round 1's impressions (``components.click_model``). ``shelfwise evaluate
   --protocol impressions`` judges it offline on the same log.
3. Round 2 (new shoppers): control = the new version WITHOUT its click stage (``stages_off``), treatment
   = the same version WITH it; ``shelfwise experiments report`` decides. Checks: the treatment wins
   on CTR with p < 0.05, the split passes the SRM check, the report's counts equal the simulator's.

    PYTHONPATH=src nice -n 5 .venv/bin/python benchmarks/ctr_loop.py [--shoppers 3000] [--home DIR]

``--round2-only`` reuses a home that ran rounds 1 and training (its newest version) and runs round 2
again, e.g. under other serving settings (``SHELFWISE_CTR__SERVING_SLOT=top`` in the environment);
with the same ``--seed`` its shoppers are those of the full loop's round 2. ``--train-only`` stops
before round 2 (then copy the home once per setting).

``--explore`` (default 0.2): round 1 runs with exploration (``shelfwise experiments create
--exploration``): each slot, with that probability, shows a random item of the next 2k candidates,
its propensity logged; the log then separates the source's rank from the slot.
Results and the serving rule's reasons: docs/ctr.md, "Does the loop close?" and "Closing the loop".
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import online
from online import Server, Tally, build_home, compare, count_probe, report, shop, start_experiment

APPEAL_BASE = 0.01
APPEAL_CAP = 0.3
PRICE_REF = 15.0
PRICE_ELASTICITY = 0.5


def appeal_of(prices: dict[str, float], seed: int) -> dict[str, float]:
    """Each item's click probability when examined but not wanted (module docstring)."""
    rng = random.Random(seed)
    out = {}
    for item in sorted(prices):
        price = max(prices[item], 0.5)
        value = APPEAL_BASE * math.exp(rng.gauss(0.0, 1.0)) * (PRICE_REF / price) ** PRICE_ELASTICITY
        out[item] = min(value, APPEAL_CAP)
    return out


def _round(
    server: Server,
    name: str,
    control: str,
    treatment: str,
    shoppers: list[str],
    context: dict[str, Any],
    seed: int,
    stages_off: dict[str, list[str]] | None = None,
    exploration: float = 0.0,
) -> tuple[dict[str, Tally], dict[str, Any]]:
    probe = start_experiment(server, name, control, treatment, exploration, stages_off)
    started = time.perf_counter()
    tallies = shop(server, name, shoppers, context["wants"], context["prices"], seed, context["appeal"])
    count_probe(tallies, probe)
    found = report(server, name, tallies)
    seconds = time.perf_counter() - started
    print(f"\n{name}: {len(shoppers)} shoppers in {seconds:.0f}s ({control} vs {treatment})", flush=True)
    for variant, tally in sorted(tallies.items()):
        ctr, low, high = tally.ctr_interval()
        print(
            f"  simulator {variant}: {tally.impressions} impressions, {tally.clicks} clicks "
            f"({tally.wanted_clicks} on wanted items), CTR {ctr:.4f} ({low:.4f}…{high:.4f}), "
            f"{tally.purchases} purchases"
        )
    server.client("admin").post(f"/v1/admin/experiments/{name}/stop")
    return tallies, found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", choices=["beauty", "toys"], default="beauty")
    parser.add_argument("--shoppers", type=int, default=3000, help="shoppers per round")
    parser.add_argument("--round2-shoppers", type=int, help="shoppers in round 2 (default: --shoppers)")
    parser.add_argument(
        "--explore",
        type=float,
        default=0.2,
        help="round 1's exploration: share of slots shown at random from the next 2k candidates, "
        "propensity logged (0: the lists as ranked)",
    )
    parser.add_argument("--max-minutes", type=float, default=3.0, help="training budget per version")
    parser.add_argument(
        "--home", type=Path, help="build (or reuse) the shop here (round 1 runs on its first two versions)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--round2-only",
        action="store_true",
        help="--home already ran round 1 and training: run round 2 only, on its newest version "
        "(e.g. to compare serving settings, SHELFWISE_CTR__*, on the same trained model)",
    )
    parser.add_argument(
        "--train-only",
        action="store_true",
        help="stop after round 1 and training (then run round 2 with --round2-only on copies of the "
        "home, one per serving setting: the same shoppers with the same --seed)",
    )
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp) / "home"
        if not (home / "models").is_dir():
            print("building the shop:", build_home(home, args.dataset, args.max_minutes), flush=True)
        ok, figures = run_loop(home, args)
    figures["total_s"] = round(time.perf_counter() - started, 1)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    print(f"total {figures['total_s']:.0f}s; {'ALL CHECKS PASS' if ok else 'SOME CHECKS FAILED'}")
    raise SystemExit(0 if ok else 1)


def run_loop(home: Path, args: argparse.Namespace) -> tuple[bool, dict[str, Any]]:
    weak, strong = online.versions_of(home)[:2]
    prices = json.loads((home / "online-prices.json").read_text())
    wants = online.wants_of(args.dataset)
    context = {"wants": wants, "prices": prices, "appeal": appeal_of(prices, args.seed + 11)}
    rng = random.Random(args.seed)
    second_n = args.round2_shoppers or args.shoppers
    chosen = rng.sample(sorted(wants), args.shoppers + second_n)
    first, second = chosen[: args.shoppers], chosen[args.shoppers :]
    suffix = time.strftime("%H%M%S")
    figures: dict[str, Any] = {
        "shoppers_per_round": args.shoppers,
        "round2_shoppers": second_n,
        "round1_exploration": args.explore,
    }

    env = online._env(home)
    if not args.round2_only:
        server = Server(home)
        try:
            _, found = _round(
                server, f"loop1-{suffix}", weak, strong, first, context, args.seed, exploration=args.explore
            )
        finally:
            server.stop()  # flushes the impression log before training reads it
        figures["round1"] = found["variants"]
        t0 = time.perf_counter()
        online._run(env, "train", "--max-minutes", str(args.max_minutes))
        figures["train_s"] = round(time.perf_counter() - t0, 1)
    trained = online.versions_of(home)[-1]
    manifest = json.loads((home / "models" / trained / "manifest.json").read_text())
    has_click = bool(manifest.get("components", {}).get("click_model"))
    print(f"\ntrained {trained} in {figures.get('train_s', 0):.0f}s; click model: {has_click}", flush=True)
    figures["click_metrics"] = (
        json.loads((home / "models" / trained / "ctr" / "ctr.json").read_text())["metrics"]
        if has_click
        else {}
    )
    t0 = time.perf_counter()
    offline = json.loads(online._run(env, "evaluate", "--protocol", "impressions", "--json"))
    figures["offline"] = offline
    print(
        f"offline on round 1's log (newest 20 % held out, {time.perf_counter() - t0:.0f}s): "
        f"AUC {offline['auc']:.4f} vs item-CTR {offline['baseline_auc']:.4f}, "
        f"log loss {offline['logloss']:.4f} vs {offline['baseline_logloss']:.4f}, ECE {offline['ece']:.4f}",
        flush=True,
    )
    if args.train_only:
        return has_click, figures

    server = Server(home)
    name = f"loop2-{suffix}"
    try:
        tallies, found = _round(
            server, name, trained, trained, second, context, args.seed + 1, {"control": ["click"]}
        )
    finally:
        server.stop()
    print(online._run(env, "experiments", "report", name))
    problems = compare(found, tallies)
    p_ctr = found["p_value"]["treatment"]["ctr"]
    lift = found["lift"]["treatment"]["ctr"]
    figures["round2"] = {
        "variants": found["variants"],
        "lift_ctr": lift,
        "p_ctr": p_ctr,
        "srm_p_value": found["srm_p_value"],
        "decision": found["decision"],
    }
    checks = [
        (f"the new version trained a click model ({trained})", has_click),
        (f"with the click stage wins on CTR with p < 0.05 (p={p_ctr:.3g}, lift {lift:+.1%})",
         p_ctr is not None and p_ctr < 0.05 and lift is not None and lift > 0),
        (f"split passes the SRM check (p={found['srm_p_value']:.3g} ≥ 0.001)", found["srm_p_value"] >= 0.001),
        ("report counts equal the simulator's tally" + (": " + "; ".join(problems) if problems else ""),
         not problems),
    ]  # fmt: skip
    print()
    for text, passed in checks:
        print(f"[{'PASS' if passed else 'FAIL'}] {text}")
    return all(passed for _, passed in checks), figures


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
