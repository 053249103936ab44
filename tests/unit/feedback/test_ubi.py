"""User Behavior Insights both ways: the mapping, the shared sample, and export → ingest round trip."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from shelfwise.domain import Event, Impression, Item
from shelfwise.feedback.ubi import parse_event, parse_query
from shelfwise.ingest.pipeline import EventKeyer
from shelfwise.service.context import ServiceContext
from shelfwise.service.ingest import IngestService
from shelfwise.service.ubi import UbiService
from shelfwise.settings import Settings


def _context(tmp_path: Path, name: str) -> ServiceContext:
    return ServiceContext(
        Settings(home=tmp_path / name, store_url=f"sqlite:///{tmp_path / name / 'db.sqlite'}")
    )


def test_documents_map_to_lists_and_events() -> None:
    query = parse_query(
        {"query_id": "q1", "client_id": "browser-1", "user_id": "", "user_query": "kettle",
         "query_response_hit_ids": ["k1", "k2"], "timestamp": "2024-12-10T00:01:29.378Z"}
    )  # fmt: skip
    assert (query.user_id, query.placement) == ("browser-1", "search")
    assert [(i.request_id, i.item_id, i.position, i.timestamp) for i in query.impressions] == [
        ("q1", "k1", 0, 1733788889.378), ("q1", "k2", 1, 1733788889.378)
    ]  # fmt: skip
    click = {"action_name": "click", "query_id": "q1", "client_id": "browser-1", "timestamp": 1717527762118,
             "event_attributes": {"object": {"object_id": "k2", "object_detail": {"price": 12.5}},
                                  "position": {"ordinal": 1}}}  # fmt: skip
    event = parse_event(click, "bulk-7", {"q1": "search"})
    assert event == Event("browser-1", "click", 1717527762.118, item_id="k2", event_id="bulk-7", price=12.5,
                          request_id="q1", position=1, placement="search")  # fmt: skip
    assert parse_event({**click, "action_name": "product_hover"}, None, {}) is None


def test_the_shared_sample_is_ingested_once(tmp_path: Path, shared_data: Path) -> None:
    sample = shared_data / "esci_us_judgments_sample" / "ubi_queries_events.ndjson.gz"
    if not sample.exists():
        pytest.skip("the UBI sample is not in ../shared/data")
    ctx = _context(tmp_path, "sample")
    report = UbiService(ctx).ingest(sample)
    # 3,448 events, of which 319 are hovers, filters, sorts and page views Shelfwise has no use for.
    assert (report.documents, report.lists, report.events, report.skipped, report.rejected) == (
        3921,
        473,
        3129,
        319,
        [],
    )
    again = UbiService(ctx).ingest(sample)
    assert (again.impressions, again.events) == (0, 0)
    ctx.close()


def test_bad_documents_are_rejected_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "ubi.jsonl.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(json.dumps({"index": {"_index": "ubi_events", "_id": "e1"}}) + "\n")
        handle.write(json.dumps({"action_name": "click", "query_id": "q", "timestamp": 1, "client_id": "c",
                                 "event_attributes": {}}) + "\n")  # fmt: skip
        handle.write("{broken\n")
    ctx = _context(tmp_path, "bad")
    report = UbiService(ctx).ingest(path)
    assert [(r.line, r.reason.split(":")[0]) for r in report.rejected] == [(3, "bad JSON"), (2, "object_id")]
    ctx.close()


def test_an_export_read_back_gives_the_same_impressions_and_outcomes(tmp_path: Path) -> None:
    source = _context(tmp_path, "source")
    store = source.store
    store.upsert_items([Item("b", "B", price=4.0)])
    store.ensure_accounts([("web-1", "web"), ("app-1", "app")], {"web-1": "c-1", "app-1": "c-1"})
    t = 1_764_000_000.123
    store.append_impressions(
        [Impression("r1", item, pos, "home", t, "web-1", "c-1", "v0003", "e1", "treatment", propensity=p)
         for pos, (item, p) in enumerate([("a", 0.9), ("b", 0.05), ("c", None)])]
        + [Impression("r2", "a", 0, "product", t + 5, "web-1", "c-1", "v0004")]
    )  # fmt: skip
    events = [
        Event("web-1", "impression", t + 1, item_id="b", request_id="r1", position=2),  # rendered elsewhere
        Event("web-1", "click", t + 2, item_id="b", event_id="k1", request_id="r1"),
        Event("app-1", "purchase", t + 60, item_id="b", event_id="p1", value=3),  # credited across channels
        Event("web-1", "add_to_cart", t + 70, item_id="a", event_id="c1"),  # latest list showing a: r2
    ]
    ingestor = IngestService(source).ingestor()
    ingestor.write_events(events, [EventKeyer().key(e) for e in events])
    exported = UbiService(source).export(tmp_path / "ubi")
    assert (exported.lists, exported.event_count) == (2, 4)

    target = _context(tmp_path, "target")
    report = UbiService(target).ingest(tmp_path / "ubi")
    assert report.rejected == [] and report.skipped == 0

    def log(ctx: ServiceContext) -> tuple[list[Any], list[Any]]:
        return (
            sorted(
                (_rounded(i) for i in ctx.store.iter_impressions()),
                key=lambda i: (i.request_id, i.item_id, i.origin),
            ),
            sorted((_rounded(o) for o in ctx.store.iter_outcomes()), key=lambda o: o.event_id),
        )

    impressions, outcomes = log(source)
    assert [(o.event_id, o.request_id, o.position, o.revenue) for o in outcomes] == [
        ("c1", "r2", 0, 0.0), ("k1", "r1", 2, 0.0), ("p1", "r1", 2, 12.0)
    ]  # fmt: skip
    assert log(target) == (impressions, outcomes)
    source.close()
    target.close()


def _rounded(record: Any) -> Any:
    return replace(record, timestamp=round(record.timestamp, 3))  # UBI timestamps carry milliseconds
