"""Plain domain types shared by every layer. Imports nothing from Shelfwise.

Records are frozen dataclasses: cheap to build in bulk during ingestion (pydantic validation
per row would dominate ingest time) and easy to pass between layers. Validation of raw input
lives in ``shelfwise.ingest.records``; pydantic schemas for the HTTP edge mirror these fields.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, TypeVar


class EventType(StrEnum):
    VIEW = "view"
    CLICK = "click"
    ADD_TO_CART = "add_to_cart"
    PURCHASE = "purchase"
    RATE = "rate"
    REVIEW = "review"
    SEARCH = "search"
    IMPRESSION = "impression"
    DISMISS = "dismiss"  # "not interested": the shopper asked not to see the item
    RETURN = "return"  # a bought item sent back


EVENT_TYPES: frozenset[str] = frozenset(t.value for t in EventType)

# Event types that can express interest in an item strongly enough to feed a customer's
# sequence (impressions were only shown; searches may have no item). A rating or review of
# ``NEGATIVE_RATING_MAX`` stars or fewer is the opposite: ``is_engagement`` is the one judge of an
# event, this set only narrows what is read from the store.
ENGAGEMENT_TYPES: frozenset[str] = frozenset({"view", "click", "add_to_cart", "purchase", "rate", "review"})

# Ratings out of 5 at or below this say "I did not like it": a negative signal, never interest.
NEGATIVE_RATING_MAX = 2.0
# Event types that always say "not for me": never interest, and they lower the item for the customer.
NEGATIVE_TYPES: frozenset[str] = frozenset({"dismiss", "return"})
# Event types that carry a star rating in ``value``.
RATING_TYPES: frozenset[str] = frozenset({"rate", "review"})

KNOWN_CHANNELS: tuple[str, ...] = ("web", "app", "store", "social")


T = TypeVar("T")


def _quick_unpickle(cls: type[T]) -> type[T]:
    """A frozen slotted dataclass's ``__setstate__`` without the ``fields()`` call per object
    (the stock one makes it once per item: a third of unpickling a 55k-item search snapshot). The
    state is unchanged (the field values in order), so pickles written before still load."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    assign = object.__setattr__

    def __setstate__(self: T, state: list[Any]) -> None:
        for name, value in zip(names, state, strict=False):  # as the stock one
            assign(self, name, value)

    cls.__setstate__ = __setstate__  # type: ignore[attr-defined]
    return cls


@_quick_unpickle
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
    # Attribution (feedback loop): the served list this event answers, and the item's slot in it.
    request_id: str | None = None
    position: int | None = None
    placement: str | None = None


@dataclass(frozen=True, slots=True)
class ScoredItem:
    """The currency of every ranked surface: an item, its score and why it is there."""

    item_id: str
    score: float
    reasons: tuple[str, ...] = ()


def is_negative(event: Event) -> bool:
    """The event says the customer does not want the item: a dismiss, a return, a rating of 1–2."""
    if event.type in NEGATIVE_TYPES:
        return True
    return event.type in RATING_TYPES and event.value is not None and event.value <= NEGATIVE_RATING_MAX


def is_engagement(event: Event) -> bool:
    """The event shows interest in an item: it may feed the customer's history, counts and models."""
    return event.item_id is not None and event.type in ENGAGEMENT_TYPES and not is_negative(event)


def customer_id_for(oldest_user_id: str) -> str:
    """A customer's id: derived from its oldest account, so re-resolving identities is stable."""
    return "c-" + hashlib.sha256(oldest_user_id.encode()).hexdigest()[:16]


# --- The feedback loop: what was shown and what it earned -------------------------------------

# Outcome types credited to the list that showed the item (attribution).
OUTCOME_TYPES: frozenset[str] = frozenset({"click", "add_to_cart", "purchase"})


@dataclass(frozen=True, slots=True)
class Impression:
    """One item in one served (or client-rendered) list, at one position."""

    request_id: str
    item_id: str
    position: int  # 0-based slot in the list as served
    placement: str
    timestamp: float  # epoch seconds, UTC
    user_id: str | None = None
    customer_id: str | None = None
    model_version: str | None = None
    experiment: str | None = None
    variant: str | None = None
    # Probability the logging policy put this item in this slot; None: deterministic (no exploration).
    propensity: float | None = None
    origin: str = "server"  # server: logged when served; client: posted by the shop's front end
    # 0-based rank the list's source (the next-item ranker, search, ...) gave the item before any
    # re-scoring stage reordered it: the click model's view of what the ranker believed. Equals
    # ``position`` for a list served without a re-scoring stage; None: not known (client lists).
    source_rank: int | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """A click, cart or purchase credited to one impression (see docs/feedback.md for the rule)."""

    event_id: str  # the crediting event's id: one credit per event, re-posting changes nothing
    type: str  # one of OUTCOME_TYPES
    request_id: str
    item_id: str
    position: int
    placement: str
    timestamp: float
    customer_id: str | None = None
    model_version: str | None = None
    experiment: str | None = None
    variant: str | None = None
    revenue: float = 0.0  # purchases: price × quantity when known
