"""Negative feedback on the demo shop: how often a customer's home list shows what they said no to.

The demo shop (seeded) has second thoughts: dismissed substitutes, 1–2 star ratings, returns. After
one training, for every customer with a disliked item, the top-k home list is built twice by the
same pipeline over the same model in the same run: without the negative-feedback stage (the
customer's dislikes ignored: the baseline) and with it. Printed: the share of lists showing a
disliked item, the share showing a near duplicate of one (text vectors at least the setting's
similarity), and the time per list both ways.

    PYTHONPATH=src .venv/bin/python benchmarks/negatives.py [--customers 1500] [--model transitions]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--model", default="transitions", help="next-item model trained (transitions is quick)"
    )
    parser.add_argument("--max-minutes", type=float, default=3.0)
    parser.add_argument("-k", type=int, default=10)
    parser.add_argument("--keep", type=Path, help="keep the SHELFWISE_HOME here")
    args = parser.parse_args()

    from shelfwise.profiles import ProfileBook
    from shelfwise.service.context import ServiceContext
    from shelfwise.service.demo import run_demo
    from shelfwise.service.lists import ListService
    from shelfwise.service.pipeline import ListRequest
    from shelfwise.settings import Settings
    from shelfwise.training.job import TrainOptions, train

    home = args.keep or Path(tempfile.mkdtemp(prefix="sw-negatives-"))
    ctx = ServiceContext(Settings(home=home))
    started = time.perf_counter()
    run_demo(ctx, seed=args.seed, n_customers=args.customers, train_minutes=0)
    train(
        ctx.settings,
        ctx.store,
        TrainOptions(seed=args.seed, max_minutes=args.max_minutes, progress=False, model=args.model),
    )
    print(f"demo shop generated, ingested and trained in {time.perf_counter() - started:.0f} s ({home})")

    service = ListService(ctx)
    pipeline = service.pipeline
    source = pipeline.source("recommendations")
    stage = pipeline.negatives  # the stage the pipeline runs: its neighbour test is the one measured
    book = ProfileBook.load(ctx.store)
    customers = [p for p in book.customers() if p.disliked]
    figures: dict[str, dict[str, list[float]]] = {
        name: {"disliked": [], "near": [], "ms": []} for name in ("without", "with")
    }
    for profile in customers:
        request = ListRequest("recommendations", "home", args.k, profile.customer_id)
        for name, seen in (
            ("without", dataclasses.replace(profile, disliked=frozenset())),
            ("with", profile),
        ):
            began = time.perf_counter()
            ranked = pipeline.finish(request, seen, source, source.candidates(request, seen))
            figures[name]["ms"].append((time.perf_counter() - began) * 1000)
            shown = list(ranked)
            figures[name]["disliked"].append(float(any(s.item_id in profile.disliked for s in shown)))
            near = stage.near_duplicates(
                [s for s in shown if s.item_id not in profile.disliked], profile.disliked
            )
            figures[name]["near"].append(float(bool(near)))

    similarity = ctx.settings.negatives.neighbour_similarity
    print(f"{len(customers)} customers with a dismissed, returned or 1–2 star item; home lists of {args.k}")
    print(f"{'':>24} {'disliked shown':>15} {'near dup. shown':>16} {'ms/list p50':>12}")
    for name, values in figures.items():
        print(
            f"{name + ' the stage':>24} {statistics.mean(values['disliked']):>15.1%} "
            f"{statistics.mean(values['near']):>16.1%} {statistics.median(values['ms']):>12.2f}"
        )
    print(
        f"(near duplicate: text similarity ≥ {similarity}; lowered ×{ctx.settings.negatives.neighbour_factor})"
    )


if __name__ == "__main__":
    main()
