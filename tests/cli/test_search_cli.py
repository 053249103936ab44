"""``shelfwise search`` through the installed console script: human output, --explain, batch,
search-log training, and a Chinese catalog with the real multilingual encoder (USE, chosen by
language)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SHELFWISE = Path(sys.executable).with_name("shelfwise")

ENGLISH = [
    {
        "item_id": "drill-dewalt",
        "title": "DeWalt 20V MAX Cordless Drill",
        "brand": "DeWalt",
        "category": "Tools > Drills",
        "price": 99,
    },
    {
        "item_id": "drill-makita",
        "title": "Makita 18V Cordless Drill Driver",
        "brand": "Makita",
        "category": "Tools > Drills",
        "price": 89,
    },
    {
        "item_id": "shoe-nike",
        "title": "Nike Revolution Running Shoes",
        "brand": "Nike",
        "category": "Shoes > Running Shoes",
        "price": 45,
        "attributes": {"color": "red"},
    },
    {
        "item_id": "shoe-adidas",
        "title": "Adidas Runfalcon Running Shoes",
        "brand": "Adidas",
        "category": "Shoes > Running Shoes",
        "price": 65,
        "attributes": {"color": "red"},
    },
    {
        "item_id": "stud-2x4",
        "title": "2 in. x 4 in. x 96 in. Premium Stud",
        "category": "Lumber",
        "price": 3.5,
    },
]
CHINESE = [
    {
        "item_id": "ear-huawei",
        "title": "华为 FreeBuds 无线蓝牙耳机 主动降噪",
        "brand": "华为",
        "category": "数码 > 耳机",
        "price": 199,
    },
    {
        "item_id": "ear-sony",
        "title": "索尼 WH-1000XM5 头戴式无线蓝牙耳机",
        "brand": "索尼",
        "category": "数码 > 耳机",
        "price": 2499,
    },
    {"item_id": "case", "title": "手机壳 透明 防摔 硅胶", "category": "数码 > 手机配件", "price": 29},
    {
        "item_id": "kettle",
        "title": "美的 电热水壶 1.7升 不锈钢",
        "brand": "美的",
        "category": "家电 > 厨房电器",
        "price": 99,
    },
    {
        "item_id": "shoe",
        "title": "李宁 红色 跑步鞋 男款",
        "brand": "李宁",
        "category": "鞋 > 跑步鞋",
        "price": 299,
    },
]

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def shelfwise(tmp_path: Path) -> Callable[[str], Run]:
    def _factory(encoder: str) -> Run:
        env = {
            **os.environ,
            "SHELFWISE_HOME": str(tmp_path / "home"),
            "SHELFWISE_SEARCH__ENCODER": encoder,
            "SHELFWISE_ENCODERS__CACHE_DIR": str(tmp_path / "cache"),
        }

        def _run(*args: str) -> subprocess.CompletedProcess[str]:
            result = subprocess.run(
                [str(SHELFWISE), *args], env=env, capture_output=True, text=True, timeout=600
            )
            assert result.returncode == 0, (
                f"shelfwise {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
            )
            return result

        return _run

    return _factory


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_search_explain_and_batch(shelfwise: Callable[[str], Run], tmp_path: Path) -> None:
    run = shelfwise("fake")
    run("ingest", "items", str(_jsonl(tmp_path / "items.jsonl", ENGLISH)))
    human = run("search", "dewalt drillls", "-k", "3").stdout
    assert "DeWalt 20V MAX Cordless Drill" in human.splitlines()[1]
    assert "spelling: 'drill' for 'drillls'" in human
    assert "Relaxed: spelling: 'drillls' → 'drill'" in human  # what the query gave up, said once
    parse = json.loads(run("search", "--explain", "red running shoes under $50").stdout)
    assert parse["price"] == {"min": None, "max": 50.0}
    assert parse["colours"] == ["red"] and parse["categories"][0] == "running shoes"  # most specific first
    queries = _jsonl(
        tmp_path / "q.jsonl",
        [
            {"query_id": "1", "query": "red running shoes under $50"},
            {"query_id": "2", "query": "2x4 8ft"},
        ],
    )
    out = tmp_path / "out.jsonl"
    run("search", "--queries", str(queries), "-k", "100", "--output", str(out))
    rows = {r["query_id"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert [i["item_id"] for i in rows["1"]["items"]] == ["shoe-nike"] and rows["1"]["relaxed"] == []
    assert rows["2"]["items"][0]["item_id"] == "stud-2x4"
    assert any("matches" in reason for reason in rows["2"]["items"][0]["reasons"])


def test_train_learns_from_a_search_log_and_personalizes(
    shelfwise: Callable[[str], Run], tmp_path: Path
) -> None:
    run = shelfwise("fake")
    fillers = [
        {"item_id": "gloves", "title": "Leather Work Gloves", "category": "Safety", "price": 12},
        {"item_id": "hose", "title": "Garden Hose 50 ft", "category": "Garden", "price": 25},
    ]
    run("ingest", "items", str(_jsonl(tmp_path / "items.jsonl", ENGLISH + fillers)))
    before = [line for line in run("search", "cordless drill", "-k", "2").stdout.splitlines() if ". " in line]
    loser = "drill-makita" if "drill-dewalt" in before[0] else "drill-dewalt"
    events = []
    for s in range(40):
        for n, item in enumerate(["drill-dewalt", "drill-makita"]):
            events.append(
                {
                    "user_id": f"u{s}",
                    "item_id": item,
                    "type": "impression",
                    "timestamp": 1000 + s * 10 + n,
                    "query": "cordless drill",
                    "session_id": f"s{s}",
                }
            )
        events.append(
            {
                "user_id": f"u{s}",
                "item_id": loser,
                "type": "purchase",
                "timestamp": 1005 + s * 10,
                "query": "cordless drill",
                "session_id": f"s{s}",
            }
        )
        # Views around the search give every searcher a 3-item history: `shelfwise train` also fits
        # the recommender, which needs sequences to validate on.
        for n, item in enumerate(["gloves", "hose"]):
            events.append(
                {"user_id": f"u{s}", "item_id": item, "type": "view", "timestamp": 999 + s * 10 + 8 * n}
            )
    # The fan's history ends with Adidas shoes.
    for n, (item, kind) in enumerate([("gloves", "view"), ("hose", "view"), ("shoe-adidas", "purchase")]):
        events.append({"user_id": "fan", "item_id": item, "type": kind, "timestamp": 5000 + n})
    run("ingest", "events", str(_jsonl(tmp_path / "events.jsonl", events)))
    run("train", "--max-minutes", "1", "--encoder", "fake")
    after = [line for line in run("search", "cordless drill", "-k", "2").stdout.splitlines() if ". " in line]
    assert f"[{loser}]" in after[0]
    personal = run("search", "running shoes", "--user", "fan", "-k", "2").stdout
    assert "[shoe-adidas]" in next(line for line in personal.splitlines() if ". " in line)
    assert "you often choose Adidas" in personal


@pytest.mark.slow  # loads the multilingual encoder
def test_chinese_catalog_end_to_end_with_the_multilingual_encoder(
    shelfwise: Callable[[str], Run], tmp_path: Path
) -> None:
    run = shelfwise("auto")  # a Chinese catalog routes to USE multilingual
    run("ingest", "items", str(_jsonl(tmp_path / "items.jsonl", CHINESE)))
    queries = _jsonl(
        tmp_path / "q.jsonl",
        [
            {"query_id": "price", "query": "无线蓝牙耳机 200元以内"},
            {"query_id": "mixed", "query": "bluetooth 耳机 降噪"},
            {"query_id": "colour", "query": "红色 跑步鞋"},
            {"query_id": "english", "query": "electric kettle"},
        ],
    )
    out = tmp_path / "out.jsonl"
    run("search", "--queries", str(queries), "-k", "5", "--output", str(out))
    rows = {
        r["query_id"]: [i["item_id"] for i in r["items"]]
        for r in map(json.loads, out.read_text().splitlines())
    }
    assert rows["price"] == ["ear-huawei"]  # the Sony headphones match but cost 2499
    assert rows["mixed"][0] == "ear-huawei"
    assert rows["colour"][0] == "shoe"
    assert rows["english"][0] == "kettle"  # cross-lingual: only the multilingual embedding knows
    parse = json.loads(run("search", "--explain", "无线蓝牙耳机 200元以内").stdout)
    assert parse["price"]["max"] == 200.0 and parse["language"] == "zh"
