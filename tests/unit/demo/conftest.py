"""One default-size demo shop per test session: generating it takes about a second."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from shelfwise.demo import ShopFiles, generate_shop


@dataclass(frozen=True)
class LoadedShop:
    files: ShopFiles
    seconds: float
    items: list[dict[str, Any]]
    accounts: list[dict[str, Any]]
    events: list[dict[str, Any]]
    person_of: dict[str, str]  # user_id -> person_id (the ground truth)


def _read(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory) -> LoadedShop:
    started = time.perf_counter()
    files = generate_shop(tmp_path_factory.mktemp("demo-shop"))
    seconds = time.perf_counter() - started
    return LoadedShop(
        files,
        seconds,
        _read(files.items_path),
        _read(files.accounts_path),
        _read(files.events_path),
        files.truth.account_person,
    )
