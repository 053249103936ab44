"""SQL text and row converters of the PostgreSQL store (see ``postgres.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from shelfwise.domain import Event, Item
from shelfwise.storage.base import IdentityKeyRecord, StoredAccount, StoredEvent

ITEM_COLUMNS = (
    "item_id, title, description, brand, category, price, currency, attributes, image_url, in_stock, "
    "created_at, updated_at"
)
_EVENT_FIELDS = (
    "event_id, user_id, item_id, type, ts, channel, value, price, query, session_id, store_id, text, "
    "request_id, position, placement"
)
EVENT_COLUMNS = f"event_key, {_EVENT_FIELDS}"
EVENT_SELECT = f"SELECT seq, {_EVENT_FIELDS} FROM events"
ACCOUNT_SELECT = "SELECT user_id, seq, channel, implicit, attributes, customer_id FROM accounts"

# Staging tables live for the session and empty themselves at commit; each use truncates first
# because a strict ingest stages many batches inside one transaction.
STAGING = """
CREATE TEMP TABLE IF NOT EXISTS stage_events (
    ord INTEGER, event_key TEXT, event_id TEXT, user_id TEXT, item_id TEXT, type TEXT,
    ts DOUBLE PRECISION, channel TEXT, value DOUBLE PRECISION, price DOUBLE PRECISION, query TEXT,
    session_id TEXT, store_id TEXT, text TEXT, request_id TEXT, position INTEGER, placement TEXT
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_items (
    ord INTEGER, item_id TEXT, title TEXT, description TEXT, brand TEXT, category TEXT,
    price DOUBLE PRECISION, currency TEXT, attributes TEXT, image_url TEXT, in_stock INTEGER,
    created_at DOUBLE PRECISION
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_accounts (
    ord INTEGER, user_id TEXT, channel TEXT, customer_id TEXT
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_impressions (
    ord INTEGER, request_id TEXT, item_id TEXT, position INTEGER, placement TEXT, ts DOUBLE PRECISION,
    user_id TEXT, customer_id TEXT, model_version TEXT, experiment TEXT, variant TEXT,
    propensity DOUBLE PRECISION, origin TEXT, source_rank INTEGER
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_outcomes (
    ord INTEGER, event_id TEXT, type TEXT, request_id TEXT, item_id TEXT, position INTEGER, placement TEXT,
    ts DOUBLE PRECISION, customer_id TEXT, model_version TEXT, experiment TEXT, variant TEXT,
    revenue DOUBLE PRECISION
) ON COMMIT DELETE ROWS;
"""

ITEM_CHANGED = """(items.title, items.description, items.brand, items.category, items.price, items.currency,
    items.attributes, items.image_url, items.in_stock, items.created_at)
  IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.description, EXCLUDED.brand, EXCLUDED.category, EXCLUDED.price,
    EXCLUDED.currency, EXCLUDED.attributes, EXCLUDED.image_url, EXCLUDED.in_stock, EXCLUDED.created_at)"""
ITEM_UPSERT_TAIL = f"""ON CONFLICT (item_id) DO UPDATE SET title=EXCLUDED.title,
  description=EXCLUDED.description, brand=EXCLUDED.brand, category=EXCLUDED.category,
  price=EXCLUDED.price, currency=EXCLUDED.currency, attributes=EXCLUDED.attributes,
  image_url=EXCLUDED.image_url, in_stock=EXCLUDED.in_stock, created_at=EXCLUDED.created_at,
  updated_at=EXCLUDED.updated_at
WHERE {ITEM_CHANGED}"""


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def item_from_row(row: Sequence[Any]) -> Item:
    return Item(
        item_id=row[0], title=row[1], description=row[2], brand=row[3], category=tuple(orjson.loads(row[4])),
        price=row[5], currency=row[6], attributes=orjson.loads(row[7]), image_url=row[8],
        in_stock=None if row[9] is None else bool(row[9]), created_at=row[10],
    )  # fmt: skip


def event_from_row(row: Sequence[Any]) -> StoredEvent:
    return StoredEvent(
        seq=row[0],
        event=Event(
            event_id=row[1], user_id=row[2], item_id=row[3], type=row[4], timestamp=row[5], channel=row[6],
            value=row[7], price=row[8], query=row[9], session_id=row[10], store_id=row[11], text=row[12],
            request_id=row[13], position=row[14], placement=row[15],
        ),
    )  # fmt: skip


def account_from_row(row: Sequence[Any], keys: list[IdentityKeyRecord]) -> StoredAccount:
    user_id, seq, channel, implicit, attributes, customer_id = row
    return StoredAccount(
        user_id=user_id, seq=seq, channel=channel, implicit=bool(implicit), customer_id=customer_id,
        keys=tuple(sorted(keys, key=lambda k: (k.kind, k.key_hash))), attributes=orjson.loads(attributes),
    )  # fmt: skip
