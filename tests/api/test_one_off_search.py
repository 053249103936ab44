"""A one-off ``shelfwise search`` answers exactly as the server's ``/v1/search`` while loading only
what a search needs: no next-item model, no complement model (nor torch, nor scipy.sparse)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from shelfwise.api import create_app
from shelfwise.settings import Settings

SRC = Path(__file__).resolve().parents[2] / "src"
HEAVY = ("torch", "scipy.sparse", "shelfwise.complements", "shelfwise.service.placements.next_item")


def test_one_off_search_answers_like_the_server_and_loads_only_search(shop: Callable[[], Settings]) -> None:
    base = shop()
    settings = base.model_copy(
        update={"serve": base.serve.model_copy(update={"auth": False, "reload_poll_seconds": 0})}
    )
    queries = ("phone case", "kettle", "tea")
    with TestClient(create_app(settings)) as client:
        served = {q: client.get("/v1/search", params={"q": q, "k": 5}).json() for q in queries}
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "SHELFWISE_HOME": str(settings.home),
        "SHELFWISE_SEARCH__ENCODER": "fake",
    }
    for query in queries:
        code = (
            "import sys\n"
            "from shelfwise.cli.main import main\n"
            f"sys.argv = ['shelfwise', 'search', {query!r}, '-k', '5', '--json']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            f"print('LOADED', [m for m in {HEAVY!r} if m in sys.modules])\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        answer_line, loaded_line = done.stdout.strip().splitlines()[-2:]
        answer = json.loads(answer_line)
        assert loaded_line == "LOADED []"
        expected = served[query]
        assert expected["items"], query  # the comparison means something
        assert [(i["item_id"], round(i["score"], 6)) for i in answer["items"]] == [
            (i["item_id"], round(i["score"], 6)) for i in expected["items"]
        ]
        assert answer["model_version"] == expected["model_version"]
