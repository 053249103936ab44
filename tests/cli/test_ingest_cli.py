from __future__ import annotations

import json
from pathlib import Path


def test_mixed_file_reports_lines_exits_nonzero_and_reingest_adds_nothing(run, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(
        '{"user_id": "u1", "item_id": "i1", "type": "view", "timestamp": "2024-01-01T00:00:00Z"}\n'
        '{"user_id": "u1", "item_id": "i1", "type": "purchase", "timestamp": "tomorrow"}\n'
        "not json at all\n"
        '{"user_id": "u2", "item_id": "i2", "type": "purchase", "timestamp": 1700000000, "channel": "store"}\n'
    )
    first = run("ingest", "events", str(path))
    assert first.returncode == 1
    assert f"{path}:2: rejected: timestamp: unparsable timestamp" in first.stderr
    assert f"{path}:3: rejected: bad JSON" in first.stderr
    stats = json.loads(run("stats", "--json", check=True).stdout)
    assert stats["events"] == 2 and stats["rejected"] == 2 and stats["accounts"] == 2
    assert stats["events_by_channel"] == {"unknown": 1, "store": 1} or stats["events_by_channel"] == {
        "store": 1, "unknown": 1}

    second = run("ingest", "events", str(path))
    assert second.returncode == 1
    assert json.loads(run("stats", "--json", check=True).stdout) == stats


def test_strict_stores_nothing(run, tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text('{"item_id": "a", "title": "A"}\n{"item_id": "b", "title": "B", "price": -1}\n')
    result = run("ingest", "items", str(path), "--strict")
    assert result.returncode == 1 and "nothing stored" in result.stderr
    assert json.loads(run("stats", "--json", check=True).stdout)["items"] == 0
    assert run("ingest", "items", str(path)).returncode == 1
    assert json.loads(run("stats", "--json", check=True).stdout)["items"] == 1


def test_unknown_format_is_a_clear_error(run, tmp_path: Path) -> None:
    path = tmp_path / "items.xml"
    path.write_text("<items/>")
    result = run("ingest", "items", str(path))
    assert result.returncode == 2 and "unknown format" in result.stderr
