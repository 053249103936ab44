"""The smallest shop with known next items: other shoppers buy phone → case and kettle → tea,
socks are the best seller, and ``bob`` viewed the phone (so his next item is the case)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shelfwise.testing.files import jsonl_file

T0 = 1_700_000_000
ITEMS = [
    ("phone", "Nimbus X12 Smartphone 128GB"),
    ("case", "Case for Nimbus X12, Shockproof"),
    ("kettle", "Electric Kettle 1.7L Stainless"),
    ("tea", "Green Tea Loose Leaf 250g"),
    ("socks", "Running Socks 3-Pack"),
]


def pairs_shop_events() -> list[dict[str, Any]]:
    events = []
    for n in range(30):
        pair = ("phone", "case") if n % 2 == 0 else ("kettle", "tea")
        events += [
            {"user_id": f"u{n}", "item_id": item, "type": "purchase", "timestamp": T0 + n * 100 + step}
            for step, item in enumerate(pair)
        ]
    events += [
        {"user_id": f"s{n}", "item_id": "socks", "type": "purchase", "timestamp": T0 + n} for n in range(40)
    ]
    events.append({"user_id": "bob", "item_id": "phone", "type": "view", "timestamp": T0 + 9000})
    return events


def pairs_shop_files(work: Path) -> tuple[Path, Path]:
    """The shop as the two JSON-lines files ``shelfwise ingest`` takes: (items, events)."""
    items = jsonl_file(work / "items.jsonl", [{"item_id": i, "title": t} for i, t in ITEMS])
    return items, jsonl_file(work / "events.jsonl", pairs_shop_events())
