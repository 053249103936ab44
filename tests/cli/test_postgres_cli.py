"""The CLI on a PostgreSQL store: the H&M sample gives the same answers as on SQLite, and a
server that is not there is one clear error line."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shelfwise.storage import open_store

SHELFWISE = Path(sys.executable).with_name("shelfwise")
HM_EVENTS_MAP = "customer_id=user_id,article_id=item_id,t_dat=timestamp,sales_channel_id=channel{1:store;2:web},type:=purchase"
HM_ITEMS_MAP = "article_id=item_id,prod_name=title,detail_desc=description,product_type_name=category"
SLICE_ROWS = 12_000  # transactions: enough for several batches of 5000


def _shelfwise(home: Path, store_url: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHELFWISE_HOME": str(home)}
    env.pop("SHELFWISE_STORE_URL", None)
    if store_url:
        env["SHELFWISE_STORE_URL"] = store_url
    return subprocess.run([str(SHELFWISE), *args], env=env, capture_output=True, text=True, timeout=600)


def _slice(source: Path, target: Path, rows: int) -> Path:
    # Written gzipped: a plain .csv currently trips the reader's progress bar (file closed early).
    with gzip.open(source, "rt", newline="") as src, gzip.open(target, "wt", newline="") as out:
        for n, line in enumerate(src):
            if n > rows:
                break
            out.write(line)
    return target


@pytest.mark.shared
def test_hm_sample_gives_identical_stats_and_customers_on_sqlite_and_postgresql(
    shared_data: Path, pg_url: str, tmp_path: Path
) -> None:
    hm = shared_data / "hm_transactions_sample"
    events = _slice(hm / "transactions_train_sample.csv.gz", tmp_path / "transactions.csv.gz", SLICE_ROWS)
    home = tmp_path / "home"  # one home: both stores pseudonymize with the same secret
    outputs = {}
    for name, url in (("sqlite", None), ("postgresql", pg_url)):
        for args in (
            ("ingest", "items", str(hm / "articles_sample.csv.gz"), "--map", HM_ITEMS_MAP),
            ("ingest", "users", str(hm / "customers_sample.csv.gz"), "--map", "customer_id=user_id"),
            ("ingest", "events", str(events), "--map", HM_EVENTS_MAP),
        ):
            result = _shelfwise(home, url, *args)
            assert result.returncode == 0, result.stderr
        again = _shelfwise(home, url, "ingest", "events", str(events), "--map", HM_EVENTS_MAP)
        assert "0 stored" in again.stdout, again.stdout  # idempotent on both
        customers = tmp_path / f"customers-{name}.jsonl"
        assert _shelfwise(home, url, "customers", "--output", str(customers)).returncode == 0
        outputs[name] = (_shelfwise(home, url, "stats", "--json").stdout, customers.read_text())

    assert '"events": 12000' in outputs["sqlite"][0]
    assert outputs["postgresql"][0] == outputs["sqlite"][0]  # byte for byte, key order included
    assert outputs["postgresql"][1] == outputs["sqlite"][1]

    # Training reads exactly the same data in the same order from both (so the same model).
    sqlite, postgresql = open_store(f"sqlite:///{home / 'shelfwise.db'}"), open_store(pg_url)
    try:
        assert list(postgresql.iter_items()) == list(sqlite.iter_items())
        assert list(postgresql.iter_accounts()) == list(sqlite.iter_accounts())
        assert [e.event for e in postgresql.iter_events()] == [e.event for e in sqlite.iter_events()]
    finally:
        sqlite.close()
        postgresql.close()


def test_unreachable_server_is_one_error_line_without_traceback(tmp_path: Path) -> None:
    result = _shelfwise(tmp_path / "home", "postgresql://shop:s3cret@127.0.0.1:1/shop", "stats")
    assert result.returncode != 0
    assert result.stderr.startswith(
        "error: cannot connect to PostgreSQL at postgresql://shop:***@127.0.0.1:1/shop"
    )
    assert "Traceback" not in result.stderr and "s3cret" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
