"""JSONL event ingest speed next to a raw ``sqlite3.executemany`` of the same pre-parsed rows.

Both write into a fresh SQLite file with the same schema (indexes and unique idempotency key
included), so the ratio measures what parsing, validation, keying and implicit accounts cost.

    .venv/bin/python benchmarks/ingest.py [--events 200000]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from pathlib import Path

import orjson

from shelfwise.ingest import Ingestor
from shelfwise.ingest.pipeline import EventKeyer
from shelfwise.ingest.records import parse_event
from shelfwise.storage import AccountRecord, open_store
from shelfwise.storage.sqlite import _EVENT_INSERT

TYPES = ["view", "view", "view", "click", "add_to_cart", "purchase", "search"]
CHANNELS = ["web", "app", "store", "social"]


def make_file(path: Path, n: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    with open(path, "wb") as handle:
        for i in range(n):
            kind = rng.choice(TYPES)
            row = {
                "user_id": f"u{rng.randrange(n // 20)}",
                "type": kind,
                "timestamp": 1_700_000_000 + i,
                "channel": rng.choice(CHANNELS),
                "session_id": f"s{i // 8}",
            }
            if kind == "search":
                row["query"] = rng.choice(["red shoes", "phone case", "coffee beans"])
            else:
                row["item_id"] = f"i{rng.randrange(20_000)}"
            if kind == "purchase":
                row["price"] = round(rng.uniform(1, 200), 2)
            handle.write(orjson.dumps(row) + b"\n")


def raw_baseline(path: Path, db: Path) -> float:
    """Pre-parse (not timed), then time executemany into the same schema."""
    open_store(f"sqlite:///{db}").close()
    keyer = EventKeyer()
    rows = []
    with open(path, "rb") as handle:
        for line in handle:
            e = parse_event(orjson.loads(line))
            rows.append((keyer.key(e), e.event_id, e.user_id, e.item_id, e.type, e.timestamp, e.channel, e.value,
                         e.price, e.query, e.session_id, e.store_id, e.text))
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    start = time.perf_counter()
    for offset in range(0, len(rows), 5000):
        conn.execute("BEGIN")
        conn.executemany(_EVENT_INSERT, rows[offset : offset + 5000])
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return len(rows) / elapsed


def shelfwise_ingest(path: Path, db: Path) -> tuple[float, int]:
    store = open_store(f"sqlite:///{db}")
    ingestor = Ingestor(store, lambda a: AccountRecord(a.user_id, a.channel), lambda u: f"c-{u}")
    start = time.perf_counter()
    report = ingestor.ingest("events", path, progress=False)
    elapsed = time.perf_counter() - start
    store.close()
    return report.stored / elapsed, report.stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = folder / "events.jsonl"
        make_file(data, args.events)
        raw = raw_baseline(data, folder / "raw.db")
        ours, stored = shelfwise_ingest(data, folder / "ours.db")
    print(f"events: {stored}")
    print(f"raw sqlite3.executemany (pre-parsed rows): {raw:,.0f} events/s")
    print(f"shelfwise ingest (JSONL → validated → store): {ours:,.0f} events/s")
    print(f"ratio: {ours / raw:.2f} (target ≥ 0.50)")


if __name__ == "__main__":
    main()
