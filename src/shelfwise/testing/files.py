"""Input files for tests and benchmarks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def jsonl_file(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Write ``rows`` as the JSON lines ``shelfwise ingest`` reads (UTF-8, Chinese as written);
    returns ``path``."""
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path
