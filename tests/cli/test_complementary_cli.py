"""``shelfwise complementary`` and ``shelfwise similar`` end to end: ingest, train, ask."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SHELFWISE = Path(sys.executable).with_name("shelfwise")
Run = Callable[..., subprocess.CompletedProcess[str]]

ITEMS = [
    ("phone-a", "Nimbus X12 Smartphone 128GB", "Electronics > Phones", 699.0, {}),
    ("phone-b", "Orbita One Smartphone 256GB", "Electronics > Phones", 799.0, {}),
    ("case-a", "Case for Nimbus X12, Slim", "Electronics > Phone Accessories > Cases", 19.0, {"compatible_with": ["Nimbus X12"]}),
    ("case-b", "Case for Orbita One, Leather", "Electronics > Phone Accessories > Cases", 29.0, {"compatible_with": ["Orbita One"]}),
    ("charger", "USB-C Fast Charger 20W", "Electronics > Phone Accessories > Chargers", 25.0, {}),
    ("laptop", "Ardent Air 13 Laptop", "Computers > Laptops", 999.0, {}),
    ("mouse", "Clikk Wireless Mouse", "Computers > Accessories > Mice", 29.0, {}),
    ("sleeve", "Felted Laptop Sleeve 13 in", "Computers > Accessories > Sleeves", 35.0, {}),
    ("socks", "Running Socks 3-Pack", "Sports > Socks", 12.0, {}),
]  # fmt: skip


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One trained home for the module (training is the slow part), driven through the console script."""
    tmp_path = tmp_path_factory.mktemp("complementary-cli")
    env = {**os.environ, "SHELFWISE_HOME": str(tmp_path / "home")}

    def run(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([str(SHELFWISE), *args], env=env, capture_output=True, text=True, timeout=600)
        if check and result.returncode != 0:
            raise AssertionError(f"shelfwise {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    items = [
        {
            "item_id": i,
            "title": t,
            "category": c,
            "price": p,
            "currency": "USD",
            "attributes": a,
            "in_stock": True,
        }
        for i, t, c, p, a in ITEMS
    ]
    events = []
    t = 1_700_000_000
    for n in range(24):  # phone buyers take the fitting case (in store) and a charger (online, later)
        phone, case = ("phone-a", "case-a") if n % 2 else ("phone-b", "case-b")
        events += [
            {
                "user_id": f"s{n}",
                "item_id": phone,
                "type": "purchase",
                "timestamp": t + n * 1000,
                "channel": "store",
                "store_id": "st1",
            },
            {
                "user_id": f"s{n}",
                "item_id": case,
                "type": "purchase",
                "timestamp": t + n * 1000 + 60,
                "channel": "store",
                "store_id": "st1",
            },
            {
                "user_id": f"s{n}",
                "item_id": "charger",
                "type": "purchase",
                "timestamp": t + n * 1000 + 86400 * 2,
                "channel": "web",
                "session_id": f"w{n}",
            },
        ]
    for n in range(12):  # laptop buyers take a mouse and a sleeve
        events += [
            {
                "user_id": f"l{n}",
                "item_id": "laptop",
                "type": "purchase",
                "timestamp": t + n * 1000,
                "channel": "web",
                "session_id": f"l{n}",
            },
            {
                "user_id": f"l{n}",
                "item_id": "mouse",
                "type": "purchase",
                "timestamp": t + n * 1000 + 30,
                "channel": "web",
                "session_id": f"l{n}",
            },
            {
                "user_id": f"l{n}",
                "item_id": "sleeve",
                "type": "purchase",
                "timestamp": t + n * 1000 + 86400,
                "channel": "app",
                "session_id": f"m{n}",
            },
        ]
    for n in range(30):  # popular, unrelated
        events.append(
            {"user_id": f"r{n}", "item_id": "socks", "type": "purchase", "timestamp": t + n, "channel": "web"}
        )
    run("ingest", "items", str(_write(tmp_path / "items.jsonl", items)), check=True)
    run("ingest", "events", str(_write(tmp_path / "events.jsonl", events)), check=True)
    run("train", "--encoder", "fake", "--max-minutes", "1", check=True)
    return run


def test_complementary_json_for_a_cart(trained: Run) -> None:
    result = trained("complementary", "--items", "phone-a,laptop", "-k", "10", "--json", check=True)
    payload = json.loads(result.stdout)
    ranked = [row["item_id"] for row in payload["items"]]
    assert set(ranked[:4]) == {"case-a", "charger", "mouse", "sleeve"}
    assert "phone-a" not in ranked and "laptop" not in ranked
    assert all(set(row) == {"item_id", "score", "reasons"} for row in payload["items"])
    assert all(row["reasons"] for row in payload["items"][:4])  # the real complements say why
    assert payload["model_version"] == "v0001" and payload["placement"] == "cart" and payload["request_id"]
    reasons = {row["item_id"]: " ".join(row["reasons"]) for row in payload["items"]}
    assert "bought together with “Nimbus X12 Smartphone 128GB” by 12 customers" in reasons["case-a"]
    assert "bought after “Nimbus X12 Smartphone 128GB” by 12 customers" in reasons["charger"]


def test_complementary_text_bundle_and_similar(trained: Run) -> None:
    text = trained("complementary", "--items", "phone-a", "-k", "3", check=True).stdout
    assert "Case for Nimbus X12, Slim" in text and "fits Nimbus X12" in text
    bundle = json.loads(
        trained("complementary", "--items", "phone-a", "--bundle", "--json", check=True).stdout
    )
    assert [row["item_id"] for row in bundle["items"]] == ["case-a", "charger"]
    assert bundle["total_price"] == pytest.approx(699 + 19 + 25) and bundle["currency"] == "USD"
    similar = json.loads(trained("similar", "phone-a", "-k", "1", "--json", check=True).stdout)
    assert [row["item_id"] for row in similar["items"]] == ["phone-b"]


def test_unknown_item_is_a_clear_error(trained: Run) -> None:
    result = trained("complementary", "--items", "nope", "--json")
    assert result.returncode == 2 and "no item 'nope'" in result.stderr


def test_an_item_ingested_after_training_gets_complements_without_retraining(
    trained: Run, tmp_path: Path
) -> None:
    new = [
        {"item_id": "phone-c", "title": "Vela V3 Smartphone 128GB", "category": "Electronics > Phones", "price": 599.0},
        {"item_id": "case-c", "title": "Case for Vela V3, Clear", "category": "Electronics > Phone Accessories > Cases",
         "price": 15.0},
    ]  # fmt: skip
    trained("ingest", "items", str(_write(tmp_path / "new.jsonl", new)), check=True)
    phone = json.loads(trained("complementary", "--items", "phone-c", "-k", "3", "--json", check=True).stdout)
    assert phone["items"][0]["item_id"] == "case-c"
    assert "fits Vela V3 (same model in the title)" in phone["items"][0]["reasons"]
    case = json.loads(trained("complementary", "--items", "case-c", "-k", "3", "--json", check=True).stdout)
    assert "charger" in [row["item_id"] for row in case["items"]]
