"""After ``shelfwise models rollback`` every face answers from the pinned version and says so:
the CLI's recommend, search and complementary, and the API's lists (one model store, one
pin-aware ``active_version``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from api_shop import build_shop, shop_settings, train_version
from fastapi.testclient import TestClient

from shelfwise.api.app import create_app
from shelfwise.service.context import ServiceContext

SHELFWISE = Path(sys.executable).with_name("shelfwise")


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHELFWISE_HOME": str(home), "SHELFWISE_SEARCH__ENCODER": "fake"}
    return subprocess.run(
        [str(SHELFWISE), *args], env=env, capture_output=True, text=True, timeout=300, check=True
    )


def _versions(home: Path) -> dict[str, str]:
    """model_version of each CLI list."""
    return {
        "recommend": json.loads(_cli(home, "recommend", "web-bob", "--json").stdout)["model_version"],
        "search": json.loads(_cli(home, "search", "kettle", "--json").stdout)["model_version"],
        "complementary": json.loads(_cli(home, "complementary", "--items", "phone", "--json").stdout)[
            "model_version"
        ],
    }


def test_every_face_serves_the_pinned_version(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = build_shop(home, tmp_path)
    ctx = ServiceContext(settings)
    train_version(ctx)
    ctx.close()
    assert set(_versions(home).values()) == {"v0002"}

    assert "v0001" in _cli(home, "models", "rollback").stdout
    assert _versions(home) == {"recommend": "v0001", "search": "v0001", "complementary": "v0001"}
    no_auth = shop_settings(home).model_copy(
        update={"serve": shop_settings(home).serve.model_copy(update={"auth": False})}
    )
    with TestClient(create_app(no_auth)) as client:
        for path in ("/v1/recommendations/web-bob", "/v1/search?q=kettle", "/v1/items/phone/complementary"):
            body = client.get(path).json()
            assert body["model_version"] == "v0001", path
            assert body["request_id"]

    _cli(home, "models", "use", "latest")
    assert set(_versions(home).values()) == {"v0002"}
