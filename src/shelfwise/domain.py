"""Plain domain types shared by every layer. Imports nothing from Shelfwise.

Records are frozen dataclasses: cheap to build in bulk during ingestion (pydantic validation
per row would dominate ingest time) and easy to pass between layers. Validation of raw input
lives in ``shelfwise.ingest.records``; pydantic schemas for the HTTP edge mirror these fields.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    VIEW = "view"
    CLICK = "click"
    ADD_TO_CART = "add_to_cart"
    PURCHASE = "purchase"
    RATE = "rate"
    REVIEW = "review"
    SEARCH = "search"
    IMPRESSION = "impression"


EVENT_TYPES: frozenset[str] = frozenset(t.value for t in EventType)

# Event types that express interest in an item strongly enough to feed a customer's
# sequence (impressions were only shown; searches may have no item).
ENGAGEMENT_TYPES: frozenset[str] = frozenset({"view", "click", "add_to_cart", "purchase", "rate", "review"})

KNOWN_CHANNELS: tuple[str, ...] = ("web", "app", "store", "social")


@dataclass(frozen=True, slots=True)
class Item:
    item_id: str
    title: str
    description: str | None = None
    brand: str | None = None
    category: tuple[str, ...] = ()
    price: float | None = None
    currency: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    image_url: str | None = None
    in_stock: bool | None = None
    created_at: float | None = None  # epoch seconds, UTC


@dataclass(frozen=True, slots=True)
class Account:
    """A customer's identity in one channel. Raw identity keys live only in memory:
    the store keeps keyed hashes of them (see ``shelfwise.identity``)."""

    user_id: str
    channel: str | None = None
    email: str | None = None
    phone: str | None = None
    member_id: str | None = None
    device_id: str | None = None
    handle: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Event:
    user_id: str
    type: str
    timestamp: float  # epoch seconds, UTC
    item_id: str | None = None
    event_id: str | None = None
    channel: str | None = None
    value: float | None = None
    price: float | None = None
    query: str | None = None
    session_id: str | None = None
    store_id: str | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class ScoredItem:
    """The currency of every ranked surface: an item, its score and why it is there."""

    item_id: str
    score: float
    reasons: tuple[str, ...] = ()


def customer_id_for(oldest_user_id: str) -> str:
    """A customer's id: derived from its oldest account, so re-resolving identities is stable."""
    return "c-" + hashlib.sha256(oldest_user_id.encode()).hexdigest()[:16]
