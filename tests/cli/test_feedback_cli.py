"""The feedback loop from the command line: a shop's own impression and click log, ingested as a
file, attributed, and measured by ``shelfwise online-metrics``."""

from __future__ import annotations

import json
from pathlib import Path

EVENTS = [
    # The front end rendered list r1 (items a, b on the home page) for account u1 ...
    {"user_id": "u1", "type": "impression", "item_id": "a", "timestamp": 1_000, "request_id": "r1", "position": 0, "placement": "home"},
    {"user_id": "u1", "type": "impression", "item_id": "b", "timestamp": 1_000, "request_id": "r1", "position": 1, "placement": "home"},
    # ... who clicked b from it, then bought two of b later without saying from where.
    {"user_id": "u1", "type": "click", "item_id": "b", "timestamp": 1_010, "request_id": "r1", "position": 1},
    {"user_id": "u1", "type": "purchase", "item_id": "b", "timestamp": 2_000, "price": 5, "value": 2},
    # A purchase of an item never shown is credited to no list.
    {"user_id": "u1", "type": "purchase", "item_id": "z", "timestamp": 2_100, "price": 9},
]  # fmt: skip


def test_a_logged_file_is_attributed_and_measured_once(run, tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in EVENTS) + "\n")
    run("ingest", "events", str(path), check=True)
    run("ingest", "events", str(path), check=True)  # re-ingest: nothing is credited twice
    report = json.loads(run("online-metrics", "--by", "placement", "--json", check=True).stdout)
    (row,) = report["rows"]
    counts = {k: row[k] for k in ("placement", "requests", "impressions", "clicks", "purchases", "revenue")}
    assert counts == {
        "placement": "home",
        "requests": 1,
        "impressions": 2,
        "clicks": 1,
        "purchases": 1,
        "revenue": 10.0,
    }
    assert row["ctr"] == 0.5 and row["revenue_per_mille"] == 5000.0
    text = run("online-metrics", "--by", "placement", check=True).stdout
    assert "placement=home" in text and "CTR 50.00%" in text


def test_bad_options_are_one_line_errors(run) -> None:
    for args, word in ((("--by", "colour"), "colour"), (("--since", "last week"), "since")):
        result = run("online-metrics", *args)
        assert (
            result.returncode == 2 and word in result.stderr and len(result.stderr.strip().splitlines()) == 1
        )
