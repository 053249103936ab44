"""Time and peak memory of the complement model's fit (the stage of ``train`` that grew fastest with
the catalog, docs/scale.md) on the shops ``scale_shop.py`` writes (one shop per run gives a clean
peak RSS).

The fit is timed in its parts: counting the pairs, reading model names, the category matrix of
named models, and the tie rates (``tie_rates.py``). Item vectors come from the tests' hashing
encoder (the fit's cost does not depend on which encoder made them). To compare with another
checkout, run the script with that checkout's ``src`` first on ``PYTHONPATH`` (alternately, so
both see the same machine load); the 1-minute load average is printed with every figure.

    PYTHONPATH=src .venv/bin/python benchmarks/complements_fit.py /tmp/shop1 /tmp/shop3
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import orjson

from shelfwise.complements import build_complement_model
from shelfwise.domain import Event, Item
from shelfwise.encoders import HashingEncoder
from shelfwise.history import build_item_index


def read_shop(folder: Path) -> tuple[list[Item], list[Event]]:
    with open(folder / "items.jsonl", "rb") as handle:
        items = [Item(row["item_id"], row["title"]) for row in map(orjson.loads, handle)]
    with open(folder / "events.jsonl", "rb") as handle:
        events = [
            Event(row["user_id"], row["type"], float(row["timestamp"]), item_id=row["item_id"])
            for row in map(orjson.loads, handle)
        ]
    events.sort(key=lambda e: e.timestamp)
    return items, events


def fit_once(folder: Path) -> None:
    items, events = read_shop(folder)
    index = build_item_index(items, events)
    vectors = HashingEncoder().encode_batch([item.title for item in items])
    started = time.perf_counter()
    model = build_complement_model(items, index, events, {}, vectors)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tied = float((model.fit_rate > model.fit_rate.min()).mean())
    print(
        f"{folder.name}: {len(items)} items, {len(events)} events: complement fit {seconds:.1f} s, "
        f"peak RSS {peak_mb:.0f} MB, fit_rate mean {float(model.fit_rate.mean()):.5f} "
        f"(share above the floor {tied:.3f}), load {os.getloadavg()[0]:.1f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("shops", type=Path, nargs="+", help="folders written by scale_shop.py")
    for folder in parser.parse_args().shops:
        fit_once(folder)


if __name__ == "__main__":
    main()
