from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shelfwise.domain import Account, Event
from shelfwise.ingest import Ingestor, parse_column_map
from shelfwise.ingest.pipeline import event_key
from shelfwise.storage import AccountRecord, open_store


@pytest.fixture
def make_ingestor(store_url: str) -> Iterator[Callable[..., Ingestor]]:
    """Ingestors over an empty store of each backend (PostgreSQL's bulk path is COPY)."""
    stores = []

    def _ingestor(batch_size: int = 2) -> Ingestor:
        stores.append(open_store(store_url))
        return Ingestor(
            store=stores[-1],
            hash_account=lambda a: AccountRecord(user_id=a.user_id, channel=a.channel),
            customer_id_for=lambda u: f"c-{u}",
            batch_size=batch_size,
        )

    yield _ingestor
    for store in stores:
        store.close()


def _write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


GOOD = {
    "user_id": "u1",
    "item_id": "i1",
    "type": "purchase",
    "timestamp": "2024-01-01T10:00:00Z",
    "channel": "web",
}


def test_mixed_file_stores_good_rows_and_reports_bad_rows_with_lines(
    make_ingestor: Callable[..., Ingestor], tmp_path: Path
) -> None:
    path = _write_jsonl(
        tmp_path / "events.jsonl",
        [
            GOOD,
            "{not json",
            {**GOOD, "type": "teleport"},
            {**GOOD, "timestamp": "yesterday"},
            {**GOOD, "price": -3},
            {"item_id": "i1", "type": "view", "timestamp": 1},
            {**GOOD, "item_id": "i2", "timestamp": 1_700_000_000},
        ],
    )
    ing = make_ingestor()
    report = ing.ingest("events", path)
    assert report.rows == 7 and report.stored == 2
    reasons = {r.line: r.reason for r in report.rejected}
    assert set(reasons) == {2, 3, 4, 5, 6}
    assert "bad JSON" in reasons[2]
    assert "unknown event type" in reasons[3]
    assert "unparsable timestamp" in reasons[4]
    assert "negative price" in reasons[5]
    assert "user_id" in reasons[6]
    stats = ing.store.stats()
    assert stats["events"] == 2 and stats["rejected"] == 5

    again = ing.ingest("events", path)
    assert again.stored == 0
    assert ing.store.stats() == stats  # nothing added, rejections not double counted


def test_identical_rows_are_kept_once_each_and_reingest_adds_nothing(
    make_ingestor: Callable[..., Ingestor], tmp_path: Path
) -> None:
    # Two units of the same article bought the same day arrive as two identical rows.
    path = _write_jsonl(
        tmp_path / "e.jsonl", [GOOD, GOOD, {**GOOD, "event_id": "x"}, {**GOOD, "event_id": "x"}]
    )
    ing = make_ingestor()
    assert ing.ingest("events", path).stored == 3
    assert ing.ingest("events", path).stored == 0
    assert ing.store.count_events() == 3


def test_strict_rejects_the_whole_file(make_ingestor: Callable[..., Ingestor], tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "e.jsonl", [GOOD, {**GOOD, "item_id": "i2"}, {**GOOD, "type": "nope"}])
    ing = make_ingestor(batch_size=1)
    report = ing.ingest("events", path, strict=True)
    assert report.aborted and report.stored == 0 and len(report.rejected) == 1
    assert ing.store.count_events() == 0
    assert ing.store.stats()["accounts"] == 0


def test_crash_mid_ingest_leaves_committed_batches_and_rerun_completes(
    make_ingestor: Callable[..., Ingestor], tmp_path: Path, monkeypatch
) -> None:
    rows = [{**GOOD, "item_id": f"i{n}"} for n in range(10)]
    path = _write_jsonl(tmp_path / "e.jsonl", rows)
    ing = make_ingestor(batch_size=3)
    calls = {"n": 0}
    real = ing.store.append_events

    def dying(batch):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # a kill in the middle of the third batch
        return real(batch)

    monkeypatch.setattr(ing.store, "append_events", dying)
    with pytest.raises(KeyboardInterrupt):
        ing.ingest("events", path)
    assert ing.store.count_events() == 6  # two whole batches, nothing half-written
    monkeypatch.setattr(ing.store, "append_events", real)
    assert ing.ingest("events", path).stored == 4
    assert ing.store.count_events() == 10


def test_csv_gz_with_column_map_and_constants(make_ingestor: Callable[..., Ingestor], tmp_path: Path) -> None:
    path = tmp_path / "tx.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("t_dat,customer_id,article_id,price,sales_channel_id\n")
        handle.write("2019-01-02,c1,0001,0.05,1\n2019-01-03,c1,0002,0.02,2\n2019-01-03,c2,0002,0.02,2\n")
    ing = make_ingestor()
    column_map = parse_column_map(
        [
            "customer_id=user_id,article_id=item_id,t_dat=timestamp,sales_channel_id=channel{1:store;2:web},type:=purchase"
        ]
    )
    report = ing.ingest("events", path, column_map)
    assert report.stored == 3 and not report.rejected
    stats = ing.store.stats()
    assert stats["events_by_channel"] == {"web": 2, "store": 1}
    assert stats["events_by_type"] == {"purchase": 3}
    items = {e.event.item_id for e in ing.store.iter_events()}
    assert items == {"0001", "0002"}  # zero-padded ids stay strings


def test_parquet_items_and_category_paths(make_ingestor: Callable[..., Ingestor], tmp_path: Path) -> None:
    table = pa.table(
        {
            "item_id": ["a", "b", "c"],
            "title": ["Lipstick", "Mascara", None],
            "category": ["Beauty > Makeup > Lips", "Beauty > Makeup > Eyes", "x"],
            "price": [9.5, 12.0, 1.0],
        }
    )
    path = tmp_path / "items.parquet"
    pq.write_table(table, path)
    ing = make_ingestor()
    report = ing.ingest("items", path)
    assert report.stored == 2 and [r.line for r in report.rejected] == [3]
    assert ing.store.get_item("a").category == ("Beauty", "Makeup", "Lips")
    assert ing.ingest("items", path).stored == 0  # unchanged rows are not rewritten


def test_events_create_implicit_accounts_completed_later(
    make_ingestor: Callable[..., Ingestor], tmp_path: Path
) -> None:
    ing = make_ingestor()
    ing.ingest("events", _write_jsonl(tmp_path / "e.jsonl", [GOOD]))
    account = ing.store.get_account("u1")
    assert account is not None and account.implicit and account.channel == "web"
    ing.write_accounts([Account(user_id="u1", channel="app")])
    account = ing.store.get_account("u1")
    assert account is not None and not account.implicit and account.channel == "app"
    assert account.seq == 1  # keeps its first-seen order


def test_attribution_fields_are_stored_and_keep_old_keys(
    make_ingestor: Callable[..., Ingestor], tmp_path: Path
) -> None:
    # The key an event without attribution fields had before they existed (re-ingest adds nothing).
    plain = Event("u1", "click", 1700000000.0, item_id="i1", channel="web")
    assert event_key(plain) == "h:d92ae065df23f83b80752e2b1684702a"
    # Two clicks alike but for the list they answer are two events.
    assert event_key(replace(plain, request_id="r1", position=0)) != event_key(
        replace(plain, request_id="r2", position=0)
    )
    path = tmp_path / "clicks.csv"
    path.write_text(
        "user_id,item_id,type,timestamp,rid,slot,placement\nu1,i1,click,5,r1,2,home\nu1,i2,view,6,,,\n"
    )
    ingestor = make_ingestor()
    report = ingestor.ingest("events", path, parse_column_map(["rid=request_id,slot=position"]))
    assert report.stored == 2 and not report.rejected
    stored = [s.event for s in ingestor.store.iter_events()]
    assert [(e.request_id, e.position, e.placement) for e in stored] == [
        ("r1", 2, "home"),
        (None, None, None),
    ]
