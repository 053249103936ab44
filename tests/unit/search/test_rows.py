"""The snapshot's row table: rows come back equal, decoded only when read."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from shelfwise.domain import Item
from shelfwise.search import rows as rows_module
from shelfwise.search.rows import Row, RowTable, encode_rows

ROWS = [
    Row(
        Item(
            "a",
            "DeWalt 20V Drill",
            "cordless",
            "DeWalt",
            ("Tools", "Drills"),
            99.5,
            "USD",
            {"color": ["red", "black"], "watts": 20, "spec": {"v": 20.0}},
            "http://img/a.jpg",
            True,
            1_700_000_000.25,
        ),
        "dewalt",
        ("tools", "drills"),
        frozenset({"red", "black"}),
        frozenset({"dewalt", "20v", "drill"}),
        frozenset({"20"}),
        frozenset({"20v"}),
        3,
    ),
    Row(
        Item("b", "华为 耳机"), "", (), frozenset(), frozenset({"华为", "耳机"}), frozenset(), frozenset(), 2
    ),
    Row(
        Item("c", "x", price=None, in_stock=False),
        "",
        ("lumber",),
        frozenset(),
        frozenset(),
        frozenset(),
        frozenset(),
        1,
    ),
]


def test_rows_come_back_equal() -> None:
    table = RowTable(*encode_rows(ROWS))
    assert len(table) == 3
    assert [table[i] for i in (2, 0, 1)] == [ROWS[2], ROWS[0], ROWS[1]]
    assert table[-1] == ROWS[2] and list(table) == ROWS and table == ROWS
    assert table[0].item.attributes["spec"] == {"v": 20.0} and table[0].leaf == "drills"
    assert pickle.loads(pickle.dumps(table)) == ROWS and copy.deepcopy(table) == ROWS


def test_a_row_is_decoded_when_first_read_and_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    table = RowTable(*encode_rows(ROWS))
    decoded: list[int] = []
    decode = rows_module._decode
    monkeypatch.setattr(rows_module, "_decode", lambda data: decoded.append(len(data)) or decode(data))
    assert table[1] is table[1]
    assert len(decoded) == 1  # one row of three, once


def test_rows_added_in_memory_sit_after_the_stored_ones() -> None:
    table = RowTable(*encode_rows(ROWS[:2]))
    table.append(None)  # reserved, as SearchIndex.upsert does before it builds the row
    with pytest.raises(LookupError):
        table[2]
    table[2] = ROWS[2]
    table[0] = ROWS[2]  # a changed item replaces its stored row
    assert list(table) == [ROWS[2], ROWS[1], ROWS[2]]
    empty = RowTable()
    empty.extend(ROWS)
    assert len(empty) == 3 and empty[1] == ROWS[1]


@pytest.mark.parametrize("offsets", [[0, 5], [1, 2, 3, 4], [0, 10, 5, -1]])
def test_offsets_that_do_not_fit_the_blob_are_refused(offsets: list[int]) -> None:
    blob, good = encode_rows(ROWS)
    if offsets[-1] == -1:
        offsets = [0, int(good[2]), int(good[1]), len(blob)]
    with pytest.raises(ValueError):
        RowTable(blob, np.asarray(offsets, dtype=np.int64))
