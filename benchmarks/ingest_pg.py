"""PostgreSQL ingest through Shelfwise next to a raw ``COPY`` of the same rows, in the same run.

- raw COPY: the same events, parsed and keyed beforehand (not timed), written with psycopg's
  ``COPY ... FROM STDIN`` in batches of 5000 into a bare table with the events' columns (no index,
  no key): the fastest way rows get into PostgreSQL.
- raw COPY + schema (for reference): the same into Shelfwise's own ``events`` table, unique key
  and indexes included.
- Shelfwise: ``Ingestor.ingest`` of the JSONL file: reading, validation, keying, implicit accounts,
  COPY into staging and ``INSERT … ON CONFLICT DO NOTHING`` (idempotency); then the same into SQLite.

Each run uses fresh databases (created and dropped here). Target: Shelfwise ≥ 0.5 × raw COPY.

    .venv/bin/python benchmarks/ingest_pg.py [--events 200000] [--server postgresql://root@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import orjson
import psycopg

from shelfwise.ingest import Ingestor
from shelfwise.ingest.pipeline import EventKeyer
from shelfwise.ingest.records import parse_event
from shelfwise.storage import AccountRecord, open_store
from shelfwise.storage.pg_sql import EVENT_COLUMNS

sys.path.insert(0, str(Path(__file__).parent))
from ingest import make_file  # the SQLite benchmark's generator: the same rows

BATCH = 5000
BARE_TABLE = """CREATE TABLE bare_events (
    event_key TEXT, event_id TEXT, user_id TEXT, item_id TEXT, type TEXT, ts DOUBLE PRECISION, channel TEXT,
    value DOUBLE PRECISION, price DOUBLE PRECISION, query TEXT, session_id TEXT, store_id TEXT, text TEXT,
    request_id TEXT, position INTEGER, placement TEXT)"""


@contextmanager
def fresh_database(server: str) -> Iterator[str]:
    name = f"sw_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    parts = urlsplit(server)
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[arg-type]


def parsed_rows(path: Path) -> list[tuple[object, ...]]:
    keyer = EventKeyer()
    rows = []
    with open(path, "rb") as handle:
        for line in handle:
            e = parse_event(orjson.loads(line))
            rows.append((keyer.key(e), e.event_id, e.user_id, e.item_id, e.type, e.timestamp, e.channel, e.value,
                         e.price, e.query, e.session_id, e.store_id, e.text, e.request_id, e.position,
                         e.placement))  # fmt: skip
    return rows


def raw_copy(url: str, table: str, rows: list[tuple[object, ...]]) -> float:
    with psycopg.connect(url, autocommit=True) as conn:
        start = time.perf_counter()
        for offset in range(0, len(rows), BATCH):
            sql = f"COPY {table} ({EVENT_COLUMNS}) FROM STDIN"
            with conn.transaction(), conn.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[arg-type]
                for row in rows[offset : offset + BATCH]:
                    copy.write_row(row)
        elapsed = time.perf_counter() - start
        stored = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # type: ignore[arg-type,index]
    assert stored == len(rows), (stored, len(rows))
    return len(rows) / elapsed


def shelfwise_ingest(url: str, path: Path) -> tuple[float, int]:
    store = open_store(url)
    ingestor = Ingestor(store, lambda a: AccountRecord(a.user_id, a.channel), lambda u: f"c-{u}")
    start = time.perf_counter()
    report = ingestor.ingest("events", path, progress=False)
    elapsed = time.perf_counter() - start
    again = ingestor.ingest("events", path, progress=False).stored  # idempotent: nothing new
    store.close()
    assert again == 0, again
    return report.stored / elapsed, report.stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--server", default="postgresql://root@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "events.jsonl"
        make_file(data, args.events)
        rows = parsed_rows(data)
        with fresh_database(args.server) as url:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(BARE_TABLE)  # type: ignore[arg-type]
            bare = raw_copy(url, "bare_events", rows)
        with fresh_database(args.server) as url:
            open_store(url).close()  # Shelfwise's schema, empty
            schema = raw_copy(url, "events", rows)
        with fresh_database(args.server) as url:
            ours, stored = shelfwise_ingest(url, data)
        on_sqlite, _ = shelfwise_ingest(f"sqlite:///{Path(tmp) / 'shelfwise.db'}", data)
    print(f"events: {stored}")
    print(f"raw COPY into a bare table (pre-parsed rows): {bare:,.0f} events/s")
    print(f"raw COPY into Shelfwise's events table (indexes, unique key): {schema:,.0f} events/s")
    print(f"shelfwise ingest (JSONL → validated → COPY → INSERT ON CONFLICT): {ours:,.0f} events/s")
    print(f"the same Shelfwise ingest into SQLite: {on_sqlite:,.0f} events/s")
    print(
        f"ratio vs bare COPY: {ours / bare:.2f} (target ≥ 0.50); vs COPY into the schema: {ours / schema:.2f}"
    )
    print(f"PostgreSQL vs SQLite ingest: {ours / on_sqlite:.2f}")


if __name__ == "__main__":
    main()
