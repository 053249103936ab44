"""Raw row (dict from JSON, CSV or Parquet) → validated domain record.

Hand-written rather than pydantic because ingestion validates millions of rows and must stay
close to raw SQLite insert speed; the HTTP API calls the same functions, so both doors accept
exactly the same records. Every failure raises ``ValidationError`` naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from shelfwise.domain import EVENT_TYPES, Account, Event, Item
from shelfwise.errors import ValidationError

_CATEGORY_SEPARATORS = (">", "/", "|")
_ACCOUNT_FIELDS = frozenset({"user_id", "channel", "email", "phone", "member_id", "device_id", "handle", "attributes"})


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and math.isnan(value)
    )


def _text(raw: Mapping[str, Any], name: str, required: bool = False) -> str | None:
    value = raw.get(name)
    if type(value) is str:  # the common cases first: ingest speed is dominated by this function
        value = value.strip()
        if value:
            return value
        if required:
            raise ValidationError("missing required field", name)
        return None
    if value is None and not required:  # an absent optional field: most of an event's fields
        return None
    if _blank(value):
        if required:
            raise ValidationError("missing required field", name)
        return None
    if isinstance(value, (dict, list)):
        raise ValidationError("expected text", name)
    return str(value).strip()


def _number(raw: Mapping[str, Any], name: str, non_negative: bool = False) -> float | None:
    value = raw.get(name)
    if value is None:
        return None
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValidationError("expected a number", name)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"not a number: {value!r}", name) from None
    if not math.isfinite(number):
        raise ValidationError("not a finite number", name)
    if non_negative and number < 0:
        raise ValidationError(f"negative {name}: {number:g}", name)
    return number


def _boolean(raw: Mapping[str, Any], name: str) -> bool | None:
    value = raw.get(name)
    if _blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "t"):
        return True
    if text in ("0", "false", "no", "n", "f"):
        return False
    raise ValidationError(f"not a boolean: {value!r}", name)


def _mapping(raw: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = raw.get(name)
    if _blank(value):
        return {}
    if isinstance(value, str):  # CSV cells carry objects as JSON text
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise ValidationError("not a JSON object", name) from None
    if not isinstance(value, dict):
        raise ValidationError("expected an object", name)
    return value


def parse_timestamp(value: Any, name: str = "timestamp") -> float:
    """ISO 8601 (with or without zone; naive means UTC; a bare date means midnight UTC) or epoch
    seconds. Numbers above 1e11 are read as epoch milliseconds (no shop has events in year 5138)."""
    if _blank(value):
        raise ValidationError("missing required field", name)
    if isinstance(value, bool):
        raise ValidationError(f"unparsable timestamp {value!r}", name)
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip()
        try:
            number = float(text)
        except ValueError:
            try:
                moment = datetime.fromisoformat(text.replace("z", "Z"))
            except ValueError:
                raise ValidationError(f"unparsable timestamp {text!r}", name) from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment.timestamp()
    if not math.isfinite(number) or number < 0:
        raise ValidationError(f"unparsable timestamp {value!r}", name)
    return number / 1000.0 if number > 1e11 else number


def _category(raw: Mapping[str, Any]) -> tuple[str, ...]:
    value = raw.get("category")
    if _blank(value):
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v).strip() for v in value if not _blank(v))
    text = str(value).strip()
    if text.startswith("["):
        try:
            return tuple(str(v).strip() for v in orjson.loads(text) if not _blank(v))
        except (orjson.JSONDecodeError, TypeError):
            raise ValidationError("not a category path or JSON list", "category") from None
    for separator in _CATEGORY_SEPARATORS:
        if separator in text:
            return tuple(part.strip() for part in text.split(separator) if part.strip())
    return (text,)


def parse_item(raw: Mapping[str, Any]) -> Item:
    created = raw.get("created_at")
    currency = _text(raw, "currency")
    return Item(
        item_id=_text(raw, "item_id", required=True) or "",
        title=_text(raw, "title", required=True) or "",
        description=_text(raw, "description"),
        brand=_text(raw, "brand"),
        category=_category(raw),
        price=_number(raw, "price", non_negative=True),
        currency=currency.upper() if currency else None,
        attributes=_mapping(raw, "attributes"),
        image_url=_text(raw, "image_url"),
        in_stock=_boolean(raw, "in_stock"),
        created_at=None if _blank(created) else parse_timestamp(created, "created_at"),
    )


def parse_account(raw: Mapping[str, Any]) -> Account:
    attributes = _mapping(raw, "attributes")
    # Columns outside the schema are kept as free attributes (a CRM export's extra fields).
    for key, value in raw.items():
        if key not in _ACCOUNT_FIELDS and not _blank(value):
            attributes.setdefault(key, value)
    return Account(
        user_id=_text(raw, "user_id", required=True) or "",
        channel=_text(raw, "channel"),
        email=_text(raw, "email"),
        phone=_text(raw, "phone"),
        member_id=_text(raw, "member_id"),
        device_id=_text(raw, "device_id"),
        handle=_text(raw, "handle"),
        attributes=attributes,
    )


def _position(raw: Mapping[str, Any]) -> int | None:
    """A 0-based slot in a served list: a whole number >= 0 (``"3"`` from a CSV cell is fine)."""
    number = _number(raw, "position", non_negative=True)
    if number is None:
        return None
    if not number.is_integer():
        raise ValidationError(f"expected a whole number, got {number:g}", "position")
    return int(number)


def parse_event(raw: Mapping[str, Any], default_channel: str | None = None) -> Event:
    kind = _text(raw, "type", required=True) or ""
    kind = kind.lower()
    if kind not in EVENT_TYPES:
        raise ValidationError(f"unknown event type {kind!r} (expected one of {', '.join(sorted(EVENT_TYPES))})", "type")
    item_id = _text(raw, "item_id")
    query = _text(raw, "query")
    if item_id is None and kind != "search":
        raise ValidationError(f"missing required field for a {kind} event", "item_id")
    if kind == "search" and item_id is None and query is None:
        raise ValidationError("a search event needs a query", "query")
    value = _number(raw, "value")
    if kind == "rate" and value is None:
        raise ValidationError("a rate event needs a value (the rating)", "value")
    channel = _text(raw, "channel") or default_channel
    return Event(
        user_id=_text(raw, "user_id", required=True) or "",
        type=kind,
        timestamp=parse_timestamp(raw.get("timestamp")),
        item_id=item_id,
        event_id=_text(raw, "event_id"),
        channel=channel.lower() if channel else None,
        value=value,
        price=_number(raw, "price", non_negative=True),
        query=query,
        session_id=_text(raw, "session_id"),
        store_id=_text(raw, "store_id"),
        text=_text(raw, "text"),
        request_id=_text(raw, "request_id"),
        position=_position(raw),
        placement=_text(raw, "placement"),
    )
