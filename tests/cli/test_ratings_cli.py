"""``shelfwise evaluate --protocol ratings``: each customer's newest rating, figures checked by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path


def _ratings_file(path: Path, rows: list[tuple[str, str, int, int]]) -> Path:
    events = [
        {"user_id": user, "item_id": item, "type": "rate", "value": stars, "timestamp": 1_700_000_000 + at}
        for user, item, stars, at in rows
    ]
    events.append({"user_id": "u1", "item_id": "a", "type": "dismiss", "timestamp": 1_700_000_009})
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


def test_the_newest_rating_is_predicted_beside_the_baselines(run, tmp_path: Path) -> None:
    # u1 and u2 rated twice: their newest rating (item b) is held out; u3's single rating trains.
    # Training ratings of a: 5, 3, 4 → global mean 4; b was never rated before → item mean falls back to 4.
    rows = [("u1", "a", 5, 1), ("u1", "b", 4, 2), ("u2", "a", 3, 1), ("u2", "b", 2, 2), ("u3", "a", 4, 1)]
    run("ingest", "events", str(_ratings_file(tmp_path / "events.jsonl", rows)), check=True)
    result = run("evaluate", "--protocol", "ratings", "--json", check=True)
    report = json.loads(result.stdout)
    assert report["ratings"] == 2 and report["train_ratings"] == 3
    for name in ("global_mean", "item_mean"):
        assert report["baselines"][name]["mae"] == 1.0  # |4-4| and |4-2|
        assert math.isclose(report["baselines"][name]["rmse"], math.sqrt(2))
    assert {"mae", "rmse", "baselines", "ratings"} <= set(report)
    assert set(report["baselines"]) == {"global_mean", "item_mean", "user_item_bias"}


def test_without_ratings_it_is_one_line_and_a_non_zero_exit(run, tmp_path: Path) -> None:
    result = run("evaluate", "--protocol", "ratings")
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0 and "two ratings" in result.stderr
    unknown = run("evaluate", "--protocol", "stars")
    assert unknown.returncode != 0 and "impressions or ratings" in unknown.stderr
