"""The search index saved by ``train``: same answers as indexing afresh, never a stale catalog."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from shelfwise.domain import Item
from shelfwise.search import factory
from shelfwise.search.engine import SearchEngine
from shelfwise.search.factory import build_engine, write_snapshot
from shelfwise.search.rows import Row
from shelfwise.search.snapshot import FACTS_FILE, ROW_OFFSETS, ROWS_BLOB, read_meta, upgrade
from shelfwise.settings import Settings
from shelfwise.storage import open_store
from shelfwise.storage.base import Store

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
        "shoe-asics",
        "Asics Gel Running Shoes",
        brand="Asics",
        category=("Shoes", "Running Shoes"),
        price=40.0,
        attributes={"color": "blue"},
    ),
    Item("stud-2x4", "2 in. x 4 in. x 96 in. Premium Kiln-Dried Stud", category=("Lumber",), price=3.5),
    Item("pipe-half", "1/2 in. x 10 ft. Copper Pipe", category=("Plumbing",), price=19.0),
    Item(
        "ear-huawei",
        "华为 FreeBuds 无线蓝牙耳机 主动降噪",
        brand="华为",
        category=("数码", "耳机"),
        price=199.0,
    ),
]
QUERIES = ["dewalt drillls", "red running shoes under $50", "2x4 8ft", "无线蓝牙耳机", "copper pipe", "saw"]


def _settings(tmp_path: Path, **search: object) -> Settings:
    return Settings(
        home=tmp_path / "home",
        search={"encoder": "fake", **search},
        encoders={"cache_dir": tmp_path / "cache"},
    )


def _store(tmp_path: Path, items: list[Item], name: str = "shop") -> Store:
    store = open_store(f"sqlite:///{tmp_path / name}.db")
    store.upsert_items(items)
    return store


def _answers(engine: SearchEngine, queries: list[str]) -> list[list[tuple[str, float]]]:
    return [[(s.item_id, round(s.score, 6)) for s in engine.answer(q, None, 10).items] for q in queries]


def _no_rebuild(monkeypatch: pytest.MonkeyPatch) -> None:
    """Indexing the catalog from scratch starts by choosing the encoder: make that fail."""

    def fail(*_: object) -> None:
        raise AssertionError("the catalog was indexed from scratch instead of from the snapshot")

    monkeypatch.setattr(factory, "search_encoder", fail)


def test_snapshot_answers_like_a_fresh_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings, store = _settings(tmp_path), _store(tmp_path, CATALOG)
    meta = write_snapshot(settings, store, tmp_path / "snap")
    assert meta.items == len(CATALOG) and read_meta(tmp_path / "snap") == meta
    fresh, _ = build_engine(settings, store)
    expected = _answers(fresh, QUERIES)
    _no_rebuild(monkeypatch)
    loaded, cache = build_engine(settings, store, snapshot=tmp_path / "snap")
    assert _answers(loaded, QUERIES) == expected
    assert expected[0][0][0] == "drill-dewalt"  # the answers compared are the right ones
    if cache is not None:
        cache.close()


def test_items_written_after_the_snapshot_are_searchable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, store = _settings(tmp_path), _store(tmp_path, CATALOG)
    write_snapshot(settings, store, tmp_path / "snap")
    store.upsert_items(
        [
            Item("jigsaw-bosch", "Bosch Orbital Jigsaw 6.5 Amp", brand="Bosch", category=("Tools", "Saws")),
            Item(
                "shoe-asics", "Asics Gel Trail Sneakers", brand="Asics", category=("Shoes", "Running Shoes")
            ),
        ]
    )
    _no_rebuild(monkeypatch)
    engine, _ = build_engine(settings, store, snapshot=tmp_path / "snap")
    assert next(s.item_id for s in engine.answer("jigsaw", None, 3).items) == "jigsaw-bosch"
    assert next(s.item_id for s in engine.answer("trail sneakers", None, 3).items) == "shoe-asics"
    assert engine.index.rows[engine.index.row_of["shoe-asics"]].item.title == "Asics Gel Trail Sneakers"
    assert len(engine.index) == len(CATALOG) + 1
    # The snapshot itself is untouched: loading it again still needs the new item indexed on top.
    assert read_meta(tmp_path / "snap").items == len(CATALOG)  # type: ignore[union-attr]


def test_a_snapshot_of_another_catalog_is_not_used(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    write_snapshot(settings, _store(tmp_path, CATALOG, "full"), tmp_path / "snap")
    smaller = _store(tmp_path, [it for it in CATALOG if not it.item_id.startswith("drill")], "smaller")
    engine, _ = build_engine(settings, smaller, snapshot=tmp_path / "snap")
    assert "drill-dewalt" not in engine.index.row_of
    assert "drill" not in " ".join(s.item_id for s in engine.answer("cordless drill", None, 10).items)


def test_another_encoder_choice_indexes_afresh(tmp_path: Path) -> None:
    store = _store(tmp_path, CATALOG)
    write_snapshot(_settings(tmp_path), store, tmp_path / "snap")
    engine, _ = build_engine(_settings(tmp_path, encoder="none"), store, snapshot=tmp_path / "snap")
    assert engine.index.dense is None  # "none": lexical only, as configured now


def test_no_snapshot_builds(tmp_path: Path) -> None:
    settings, store = _settings(tmp_path), _store(tmp_path, CATALOG)
    engine, _ = build_engine(settings, store, snapshot=tmp_path / "missing")
    assert len(engine.index) == len(CATALOG)


@pytest.mark.parametrize("damage", ["facts", "row bytes", "offsets"])
def test_a_damaged_snapshot_is_rebuilt_from_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    settings, store = _settings(tmp_path), _store(tmp_path, CATALOG)
    write_snapshot(settings, store, tmp_path / "snap")
    rebuilt: list[bool] = []
    build = factory.search_encoder
    monkeypatch.setattr(factory, "search_encoder", lambda *a: rebuilt.append(True) or build(*a))
    if damage == "facts":
        (tmp_path / "snap" / FACTS_FILE).write_bytes(b"not a pickle")
    elif damage == "row bytes":  # found at load (checksum), not by the search that reads the row
        blob = bytearray((tmp_path / "snap" / ROWS_BLOB).read_bytes())
        blob[len(blob) // 2] ^= 0xFF
        (tmp_path / "snap" / ROWS_BLOB).write_bytes(bytes(blob))
    else:
        np.save(tmp_path / "snap" / ROW_OFFSETS, np.zeros(3, dtype=np.int64))
    engine, _ = build_engine(settings, store, snapshot=tmp_path / "snap")
    assert rebuilt == [True]
    assert next(s.item_id for s in engine.answer("dewalt drill", None, 3).items) == "drill-dewalt"


def _as_format_1(directory: Path, rows: list[Row]) -> None:
    """Rewrite a snapshot as the code before format 2 wrote it: every row in ``rows.pickle``, the
    rows pickled as ``shelfwise.search.index.Row`` (where the class was defined then)."""
    facts = pickle.loads((directory / FACTS_FILE).read_bytes())
    del facts["rows_crc32"]
    for name in (FACTS_FILE, ROWS_BLOB, ROW_OFFSETS):
        (directory / name).unlink()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Row, "__module__", "shelfwise.search.index")
        data = pickle.dumps({"rows": rows, **facts}, protocol=pickle.HIGHEST_PROTOCOL)
    assert b"shelfwise.search.index" in data and b"shelfwise.search.rows" not in data
    (directory / "rows.pickle").write_bytes(data)
    meta = json.loads((directory / "snapshot.json").read_text())
    (directory / "snapshot.json").write_text(json.dumps({**meta, "format": 1}))


def test_a_format_1_snapshot_still_loads_and_answers_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, store = _settings(tmp_path), _store(tmp_path, CATALOG)
    write_snapshot(settings, store, tmp_path / "snap")
    fresh, _ = build_engine(settings, store)
    expected = _answers(fresh, QUERIES)
    _as_format_1(tmp_path / "snap", list(fresh.index.rows))
    assert read_meta(tmp_path / "snap").format == 1  # type: ignore[union-attr]
    _no_rebuild(monkeypatch)
    loaded, _ = build_engine(settings, store, snapshot=tmp_path / "snap")
    assert _answers(loaded, QUERIES) == expected
    assert list(loaded.index.rows) == list(fresh.index.rows)


def test_saved_rows_equal_fresh_ones_and_share_their_strings(tmp_path: Path) -> None:
    settings, store = _settings(tmp_path), _store(tmp_path, CATALOG)
    meta = write_snapshot(settings, store, tmp_path / "snap")
    assert meta.format == 2 and not (tmp_path / "snap" / "rows.pickle").exists()
    fresh, _ = build_engine(settings, store)
    loaded, _ = build_engine(settings, store, snapshot=tmp_path / "snap")
    assert loaded.index.rows == fresh.index.rows
    dewalt = [r for r in loaded.index.rows if r.brand == "dewalt"]
    assert len(dewalt) == 2 and dewalt[0].brand is dewalt[1].brand  # one string object, written once


def test_upgrading_a_format_1_snapshot_keeps_its_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, store = _settings(tmp_path), _store(tmp_path, CATALOG)
    written = write_snapshot(settings, store, tmp_path / "snap")
    fresh, _ = build_engine(settings, store)
    expected = _answers(fresh, QUERIES)
    _as_format_1(tmp_path / "snap", list(fresh.index.rows))
    assert upgrade(tmp_path / "snap") and not upgrade(tmp_path / "snap")  # once
    assert read_meta(tmp_path / "snap") == written  # format 2 again, taken at the same time
    assert not (tmp_path / "snap" / "rows.pickle").exists()
    _no_rebuild(monkeypatch)
    loaded, _ = build_engine(settings, store, snapshot=tmp_path / "snap")
    assert _answers(loaded, QUERIES) == expected
