"""``shelfwise evaluate --json`` prints one JSON object, whatever the model logs while it trains."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess


def _shop(tmp_path: Path) -> tuple[Path, Path]:
    """Forty customers walking a ring of twelve items: enough for SASRec and the ranker to train."""
    rng = random.Random(3)
    items = tmp_path / "items.jsonl"
    items.write_text(
        "".join(json.dumps({"item_id": f"i{n}", "title": f"Item {n}"}) + "\n" for n in range(12))
    )
    rows = []
    for user in range(40):
        start = rng.randrange(12)
        for step in range(6):
            rows.append(
                {
                    "user_id": f"u{user}",
                    "item_id": f"i{(start + step) % 12}",
                    "type": "purchase",
                    "timestamp": 1_700_000_000 + user * 10_000 + step * 600,
                }
            )
    events = tmp_path / "events.jsonl"
    events.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return items, events


def test_json_output_is_one_object_with_progress_on_stderr(
    run: Callable[..., CompletedProcess[str]], tmp_path: Path
) -> None:
    items, events = _shop(tmp_path)
    run("ingest", "items", str(items), check=True)
    run("ingest", "events", str(events), check=True)
    result = run(
        "evaluate",
        "--encoder",
        "fake",
        "--max-minutes",
        "0.5",
        "--output",
        str(tmp_path / "eval"),
        "--json",
        check=True,
    )
    metrics = json.loads(result.stdout)
    assert 0.0 <= metrics["hr@10"] <= 1.0
    # The ring makes the next item certain: a trained model puts it near the top (chance NDCG@10 ≈ 0.3).
    assert metrics["ndcg@10"] > 0.5
