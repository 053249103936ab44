"""The H&M sample ingests with --map alone (needs ../shared/data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

HM_MAP = "customer_id=user_id,article_id=item_id,t_dat=timestamp,sales_channel_id=channel{1:store;2:web},type:=purchase"


@pytest.mark.shared
def test_hm_transactions_ingest_with_map_only(run, shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "hm_transactions_sample" / "transactions_train_sample.csv.gz"
    result = run("ingest", "events", str(path), "--map", HM_MAP)
    assert result.returncode == 0, result.stderr
    stats = json.loads(run("stats", "--json", check=True).stdout)
    assert stats["events_by_channel"] == {"web": 22465, "store": 9197}
    assert stats["events"] == 31662 and stats["rejected"] == 0

    # 459 customers show events in both channels.
    out = tmp_path / "customers.jsonl"
    run("customers", "--output", str(out), check=True)
    customers = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(customers) == 1364
    assert sum(1 for c in customers if {"web", "store"} <= set(c["event_channels"])) == 459

    again = run("ingest", "events", str(path), "--map", HM_MAP, check=True)
    assert "0 stored" in again.stdout
    assert json.loads(run("stats", "--json", check=True).stdout) == stats
