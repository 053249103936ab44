"""Brushing (fake orders) on Amazon 2014 Beauty or Toys: how far do a few dozen fake accounts move
recommendations, and does the suspicious-activity filter undo it?

Protocol (``shelfwise.testing.brushing``): the real 5-core sequences become timestamped purchases
(each customer starts on a random day of two years and buys again every 1–30 days; the data keeps
only the order), 10 % of customers share a device with 1–3 others (households). A seller then creates
``--fakes`` accounts within six hours, twenty days before the data ends; each buys three of the 20
most popular items with the target item after each one, and the accounts share 6 devices. The target
is the item at popularity rank ``--target-rank`` (an ordinary mid-list product).

The transitions model (what ``shelfwise train --model transitions`` fits) is fitted three times: on
the real data, on real + fake, and on real + fake minus the accounts the filter flagged (the filter
sees every account, real and fake, with default settings). Exposure = real customers whose top 10
(their whole history, bought items masked) holds the target. Pass: filtered exposure within 1.2× of
the exposure before injection, ≥ 90 % of fake accounts flagged, ≤ 1 % of real customers flagged.

    .venv/bin/python benchmarks/robustness.py [--dataset beauty|toys] [--fakes 40] [--target-rank 1000] [--seed 0]
"""

from __future__ import annotations

import argparse
import gzip
import time
from pathlib import Path

import numpy as np

from shelfwise.testing.brushing import run_brushing

SEQUENCE_FILES = {"beauty": "beauty/s3rec_Beauty.txt.gz", "toys": "toys/p5_sequential.txt.gz"}


def data_dir() -> Path:
    """``shared/data/amazon2014_seqrec`` beside this checkout (or beside its parent folder)."""
    for parent in Path(__file__).resolve().parents[1:4]:
        candidate = parent / "shared" / "data" / "amazon2014_seqrec"
        if candidate.is_dir():
            return candidate
    raise SystemExit("shared/data/amazon2014_seqrec not found beside this checkout")


def load_sequences(dataset: str) -> list[np.ndarray]:
    """Lines ``user item item ...`` with 1-based item ids → 0-based sequences."""
    with gzip.open(data_dir() / SEQUENCE_FILES[dataset], "rt") as handle:
        return [np.array([int(x) - 1 for x in line.split()[1:]], dtype=np.int32) for line in handle]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", choices=sorted(SEQUENCE_FILES), default="beauty")
    parser.add_argument("--fakes", type=int, nargs="+", default=[40])
    parser.add_argument("--target-rank", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sequences = load_sequences(args.dataset)
    print(f"{args.dataset}: {len(sequences)} customers, target = item at popularity rank {args.target_rank}")
    print(
        f"{'fakes':>5} {'before':>7} {'injected':>9} {'filtered':>9} {'filt/before':>11} "
        f"{'fakes flagged':>14} {'real flagged':>13} {'seconds':>8}"
    )
    for fakes in args.fakes:
        started = time.perf_counter()
        result = run_brushing(sequences, n_fake=fakes, target_rank=args.target_rank, seed=args.seed)
        ratio = result.exposure_filtered / max(result.exposure_before, 1)
        ok = ratio <= 1.2 and result.fake_flagged_share >= 0.9 and result.real_flagged_share <= 0.01
        print(
            f"{fakes:>5} {result.exposure_before:>7} {result.exposure_injected:>9} {result.exposure_filtered:>9} "
            f"{ratio:>10.2f}x {result.fake_flagged:>7} ({result.fake_flagged_share:>4.0%}) "
            f"{result.real_flagged:>5} ({result.real_flagged_share:.2%}) {time.perf_counter() - started:>7.1f}"
            f"  {'PASS' if ok else 'FAIL'}"
        )
        print(
            "      accounts flagged per signal: "
            + ", ".join(f"{k} {v}" for k, v in sorted(result.signals.items()))
        )


if __name__ == "__main__":
    main()
