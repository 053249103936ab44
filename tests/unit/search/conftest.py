"""A tiny catalog whose right answers are known, behind a ListService on an in-memory store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from shelfwise.domain import Item
from shelfwise.service.context import ServiceContext
from shelfwise.service.lists import ListService
from shelfwise.settings import Settings

CATALOG = [
    Item(
        "drill-dewalt",
        "DeWalt 20V MAX Cordless Drill",
        brand="DeWalt",
        category=("Tools", "Drills"),
        price=99.0,
    ),
    Item(
        "drill-makita",
        "Makita 18V Cordless Drill Driver",
        brand="Makita",
        category=("Tools", "Drills"),
        price=89.0,
    ),
    Item(
        "saw-dewalt", "DeWalt Circular Saw 7-1/4 in.", brand="DeWalt", category=("Tools", "Saws"), price=129.0
    ),
    Item(
        "shoe-nike",
        "Nike Revolution Running Shoes",
        brand="Nike",
        category=("Shoes", "Running Shoes"),
        price=45.0,
        attributes={"color": "red"},
    ),
    Item(
        "shoe-adidas",
        "Adidas Runfalcon Running Shoes",
        brand="Adidas",
        category=("Shoes", "Running Shoes"),
        price=65.0,
        attributes={"color": "red"},
    ),
    Item(
        "shoe-asics",
        "Asics Gel Running Shoes",
        brand="Asics",
        category=("Shoes", "Running Shoes"),
        price=40.0,
        attributes={"color": "blue"},
    ),
    Item("stud-2x4", "2 in. x 4 in. x 96 in. Premium Kiln-Dried Stud", category=("Lumber",), price=3.5),
    Item("board-2x6", "2 in. x 6 in. x 10 ft. Pressure-Treated Lumber", category=("Lumber",), price=9.0),
    Item("pipe-half", "1/2 in. x 10 ft. Copper Pipe", category=("Plumbing",), price=19.0),
    Item(
        "ear-huawei",
        "华为 FreeBuds 无线蓝牙耳机 主动降噪",
        brand="华为",
        category=("数码", "耳机"),
        price=199.0,
    ),
    Item(
        "ear-sony",
        "索尼 WH-1000XM5 头戴式无线蓝牙耳机",
        brand="索尼",
        category=("数码", "耳机"),
        price=2499.0,
    ),
    Item("case-phone", "手机壳 透明 防摔", category=("数码", "手机配件"), price=29.0),
]


@pytest.fixture
def make_service(tmp_path: Path) -> Callable[..., ListService]:
    def _make(
        items: list[Item] | None = None, rules: dict[str, object] | None = None, **search: object
    ) -> ListService:
        settings = Settings(
            home=tmp_path / "home",
            store_url="memory://",
            search={"encoder": "fake", "refresh_seconds": 0, **search},
            encoders={"cache_dir": tmp_path / "cache"},
            rules={"search": rules or {}},
        )
        ctx = ServiceContext(settings)
        ctx.store.upsert_items(CATALOG if items is None else items)
        return ListService(ctx)

    return _make
