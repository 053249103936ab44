"""A large shop made from real Amazon 2014 Beauty sequences (../shared), written as the JSON lines
files ``shelfwise ingest items|events`` takes.

Scale ``s`` ≥ 1: ``ceil(s)`` clones of the catalog (ids ``i{n}-c{k}``, titles suffixed ``[c{k}]``)
and as many clones of every customer, each walking their real sequence through one clone's items.
Each step stays in the customer's clone with probability ``STAY`` and otherwise moves to the same
item in a random clone, so the item graph keeps Beauty's shape (sequence lengths, popularity, the
successors of each item) without falling apart into disconnected copies. Scale < 1: a random share
``s`` of the customers and only the items they touched. Customers are shuffled, times are seeded
(each starts on a random day of two years and orders again 1–30 days later), nothing is copied
into the repository.

    .venv/bin/python benchmarks/scale_shop.py --scale 10 --out /tmp/shop10
"""

from __future__ import annotations

import argparse
import gzip
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson

BEAUTY = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "amazon2014_seqrec" / "beauty"
STAY = 0.9  # share of steps that stay in the customer's own clone of the catalog
DAY = 86_400.0
START = 1_400_000_000.0


@dataclass(frozen=True)
class ShopFiles:
    items: Path
    events: Path
    n_items: int
    n_customers: int
    n_events: int


def load_beauty(folder: Path = BEAUTY) -> tuple[list[np.ndarray], dict[int, str]]:
    """Beauty's purchase sequences (item ints per customer, in order) and item titles."""
    titles = {}
    for line in (folder / "items_derived.tsv").read_text().splitlines()[1:]:
        item_id, _asin, title = [*line.split("\t"), "", ""][:3]
        titles[int(item_id)] = title.strip()
    sequences = []
    with gzip.open(folder / "s3rec_Beauty.txt.gz", "rt") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) > 1:
                sequences.append(np.array([int(x) for x in parts[1:]], dtype=np.int64))
    return sequences, titles


def _customers(sequences: list[np.ndarray], scale: float, rng: np.random.Generator) -> Iterator[tuple[int, int]]:
    """(sequence index, clone) of every customer of the scaled shop, shuffled."""
    if scale < 1:
        chosen = rng.permutation(len(sequences))[: max(1, round(scale * len(sequences)))]
        yield from ((int(n), 0) for n in chosen)
        return
    clones = math.ceil(scale)
    order = rng.permutation(len(sequences) * clones)
    yield from ((int(k) % len(sequences), int(k) // len(sequences)) for k in order)


def write_shop(out: Path, scale: float, seed: int = 0, data: Path = BEAUTY) -> ShopFiles:
    sequences, titles = load_beauty(data)
    rng = np.random.default_rng(seed)
    clones = max(1, math.ceil(scale))
    out.mkdir(parents=True, exist_ok=True)
    events_path, items_path = out / "events.jsonl", out / "items.jsonl"
    used: set[str] = set()
    n_events = n_customers = 0
    with open(events_path, "wb") as events:
        for user, (n, clone) in enumerate(_customers(sequences, scale, rng)):
            seq = sequences[n]
            moved = rng.random(len(seq)) >= STAY
            where = np.where(moved, rng.integers(0, clones, len(seq)), clone)
            start = START + rng.uniform(0, 730) * DAY
            stamps = start + DAY * np.concatenate([[0.0], np.cumsum(rng.uniform(1, 30, len(seq) - 1))])
            lines = []
            for item, k, stamp in zip(seq.tolist(), where.tolist(), stamps.tolist(), strict=True):
                item_id = f"i{item}-c{k}"
                used.add(item_id)
                lines.append(orjson.dumps({"user_id": f"u{user}", "item_id": item_id, "type": "purchase",
                                           "timestamp": round(stamp, 3)}))
            events.write(b"\n".join(lines) + b"\n")
            n_events += len(seq)
            n_customers += 1
    with open(items_path, "wb") as items:
        for item_id in sorted(used):
            item, clone = item_id[1:].split("-c")
            title = titles.get(int(item)) or f"item {item}"
            items.write(orjson.dumps({"item_id": item_id, "title": f"{title} [c{clone}]"}) + b"\n")
    return ShopFiles(items_path, events_path, len(used), n_customers, n_events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, required=True, help="1 = Beauty's size; 0.1 .. 100")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    shop = write_shop(args.out, args.scale, args.seed)
    print(f"{shop.n_items} items, {shop.n_customers} customers, {shop.n_events} events → {args.out}")


if __name__ == "__main__":
    main()
