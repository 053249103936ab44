"""``shelfwise evaluate --protocol impressions [--json]`` through the installed console script."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

KEYS = ("auc", "logloss", "ece", "baseline_auc", "baseline_logloss", "impressions")


def _files(tmp_path: Path, impressions: bool) -> tuple[Path, Path]:
    items = tmp_path / "items.jsonl"
    items.write_text(
        "".join(json.dumps({"item_id": f"i{n}", "title": f"Item {n}"}) + "\n" for n in range(20))
    )
    rows = []
    for n in range(200):
        when = 1_700_000_000 + n * 600
        shown = [f"i{(n + k) % 20}" for k in range(5)]
        if impressions:
            rows += [
                {"user_id": f"u{n % 40}", "item_id": i, "type": "impression", "timestamp": when}
                for i in shown
            ]
        # The item in the first slot is clicked every other list: the slot, not the item, earns it.
        if n % 2 == 0:
            rows.append(
                {"user_id": f"u{n % 40}", "item_id": shown[0], "type": "click", "timestamp": when + 9}
            )
    events = tmp_path / "events.jsonl"
    events.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return items, events


def _ingest(run: Callable[..., CompletedProcess[str]], tmp_path: Path, impressions: bool) -> None:
    items, events = _files(tmp_path, impressions)
    run("ingest", "items", str(items), check=True)
    run("ingest", "events", str(events), check=True)


def test_json_has_the_model_and_the_baseline(
    run: Callable[..., CompletedProcess[str]], tmp_path: Path
) -> None:
    _ingest(run, tmp_path, impressions=True)
    result = run("evaluate", "--protocol", "impressions", "--encoder", "fake", "--json", check=True)
    metrics = json.loads(result.stdout)
    assert all(key in metrics for key in KEYS)
    assert metrics["impressions"] == 200  # the newest 20 % of 1000 impressions
    assert metrics["auc"] > 0.9 > metrics["baseline_auc"]  # only the model sees the slot


def test_no_impressions_is_one_line_and_a_non_zero_exit(
    run: Callable[..., CompletedProcess[str]], tmp_path: Path
) -> None:
    _ingest(run, tmp_path, impressions=False)
    result = run("evaluate", "--protocol", "impressions", "--encoder", "fake", "--json")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "no impressions" in result.stderr
