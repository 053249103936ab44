from __future__ import annotations

import pytest

from shelfwise.errors import ConfigError, ValidationError
from shelfwise.ingest import parse_column_map, parse_event, parse_item, parse_timestamp


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-01-01T00:00:00Z", 1704067200.0),
        ("2024-01-01T01:00:00+01:00", 1704067200.0),
        ("2024-01-01", 1704067200.0),
        (1704067200, 1704067200.0),
        ("1704067200", 1704067200.0),
        (1704067200000, 1704067200.0),
    ],
)
def test_timestamps(raw: object, expected: float) -> None:
    assert parse_timestamp(raw) == expected


@pytest.mark.parametrize("raw", ["soon", "", None, -5, True])
def test_bad_timestamps(raw: object) -> None:
    with pytest.raises(ValidationError):
        parse_timestamp(raw)


def test_search_events_need_no_item_but_a_query() -> None:
    event = parse_event({"user_id": "u", "type": "SEARCH", "query": "red shoes", "timestamp": 1})
    assert event.type == "search" and event.item_id is None
    with pytest.raises(ValidationError, match="query"):
        parse_event({"user_id": "u", "type": "search", "timestamp": 1})


def test_rate_needs_value_and_channel_default() -> None:
    with pytest.raises(ValidationError, match="value"):
        parse_event({"user_id": "u", "item_id": "i", "type": "rate", "timestamp": 1})
    event = parse_event(
        {"user_id": "u", "item_id": "i", "type": "rate", "value": "4", "timestamp": 1}, "Store"
    )
    assert event.value == 4.0 and event.channel == "store"


def test_attribution_fields_of_events() -> None:
    click = {"user_id": "u", "item_id": "i", "type": "click", "timestamp": 1}
    event = parse_event({**click, "request_id": " r-1 ", "position": "3", "placement": "home"})
    assert (event.request_id, event.position, event.placement) == ("r-1", 3, "home")
    assert parse_event({**click, "position": 0.0}).position == 0
    plain = parse_event(click)
    assert (plain.request_id, plain.position, plain.placement) == (None, None, None)
    for bad in (-1, 1.5, "first", True):
        with pytest.raises(ValidationError) as caught:
            parse_event({**click, "position": bad})
        assert caught.value.field == "position"


def test_item_fields() -> None:
    item = parse_item(
        {
            "item_id": 7,
            "title": " Phone ",
            "category": ["A", "B"],
            "attributes": '{"color": "red"}',
            "in_stock": "yes",
            "currency": "usd",
        }
    )
    assert item.item_id == "7" and item.title == "Phone" and item.category == ("A", "B")
    assert item.attributes == {"color": "red"} and item.in_stock is True and item.currency == "USD"
    with pytest.raises(ValidationError, match="title"):
        parse_item({"item_id": "x"})


def test_column_map_grammar() -> None:
    cmap = parse_column_map(["a=b,c=channel{1:store|2:web}", "type:=purchase"])
    assert cmap.apply({"a": 1, "c": "2", "d": 3}) == {"b": 1, "channel": "web", "d": 3, "type": "purchase"}
    with pytest.raises(ConfigError):
        parse_column_map(["nonsense"])
