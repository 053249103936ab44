"""Pydantic schemas of the HTTP edge: ``XCreate`` (request records) and ``XPublic`` (responses).

The ``XCreate`` schemas document the request bodies in OpenAPI. Incoming rows are validated by
``shelfwise.ingest.records`` (the functions file ingest uses), not by these classes, so the file
and HTTP doors cannot drift apart; the schemas mirror those rules for the docs.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ItemCreate(BaseModel):
    item_id: str
    title: str
    description: str | None = None
    brand: str | None = None
    category: list[str] | str | None = Field(
        None, description='A path: ["Phones", "Cases"] or "Phones > Cases".'
    )
    price: float | None = Field(None, ge=0)
    currency: str | None = None
    attributes: dict[str, Any] | None = None
    image_url: str | None = None
    in_stock: bool | None = None
    created_at: str | float | None = Field(None, description="ISO 8601 or epoch seconds.")


class AccountCreate(BaseModel):
    user_id: str
    channel: str | None = Field(None, description="web, app, store, social or any name.")
    email: str | None = Field(None, description="Hashed (HMAC) before storage; never stored raw.")
    phone: str | None = None
    member_id: str | None = Field(None, description="Loyalty id.")
    device_id: str | None = None
    handle: str | None = None
    attributes: dict[str, Any] | None = None


class EventCreate(BaseModel):
    event_id: str | None = Field(None, description="Idempotency key: a retried event is stored once.")
    user_id: str
    type: Literal[
        "view",
        "click",
        "add_to_cart",
        "purchase",
        "rate",
        "review",
        "search",
        "impression",
        "dismiss",
        "return",
    ] = Field(description="dismiss: not interested; return: a bought item sent back (both lower the item).")
    timestamp: str | float = Field(description="ISO 8601 or epoch seconds (milliseconds accepted).")
    item_id: str | None = Field(None, description="Required except for search events.")
    channel: str | None = None
    value: float | None = Field(
        None, description="Rating out of 5 (rate, review: 1–2 lowers the item) or quantity."
    )
    price: float | None = Field(None, ge=0)
    query: str | None = None
    session_id: str | None = None
    store_id: str | None = None
    text: str | None = None
    request_id: str | None = Field(
        None,
        description="The served list this event answers (its request_id): a click, cart or purchase is "
        "credited to it. An impression event with request_id and position logs what the front end rendered.",
    )
    position: int | None = Field(None, ge=0, description="The item's 0-based slot in that list.")
    placement: str | None = Field(None, description="Where the list was shown (home, product, cart, search).")


class RowResultPublic(BaseModel):
    row: int
    id: str
    status: Literal["stored", "unchanged", "duplicate"]


class BatchPublic(BaseModel):
    stored: int
    unchanged: int
    duplicate: int
    results: list[RowResultPublic]


class RowErrorPublic(BaseModel):
    row: int | None
    field: str | None
    message: str


class ErrorPublic(BaseModel):
    detail: str
    errors: list[RowErrorPublic] = []


class ScoredItemPublic(BaseModel):
    item_id: str
    score: float
    reasons: list[str]


class ItemListPublic(BaseModel):
    request_id: str = Field(description="Identifies this list: send it back with clicks and purchases.")
    placement: str = Field(description="Whose business rules shaped the list: home, product, cart, search.")
    model_version: str | None = Field(
        description="The model version that ranked the list (None: search before any training)."
    )
    customer_id: str | None = Field(None, description="The customer the user id resolved to, if any.")
    experiment: str | None = Field(None, description="The A/B experiment that chose the model, if any.")
    variant: str | None = Field(None, description="The experiment's variant this customer is assigned to.")
    items: list[ScoredItemPublic]


class RelaxStepPublic(BaseModel):
    step: Literal["spelling", "dropped", "semantic", "brand", "colour"]
    detail: str


class SearchPublic(ItemListPublic):
    relaxed: list[RelaxStepPublic] = Field(
        default_factory=list, description="What the query gave up to find items, in order (empty: nothing)."
    )
    redirect: str | None = Field(None, description="A merchant rule sends this query to this URL.")


class SuggestionPublic(BaseModel):
    text: str
    score: float
    source: Literal["query", "catalog", "yours"] = Field(
        description="A successful past query, a catalog phrase, or the customer's own past query."
    )


class SuggestionsPublic(BaseModel):
    suggestions: list[SuggestionPublic]


class SynonymCreate(BaseModel):
    synonym: str = Field(description="'couch, sofa' (two-way) or 'tv => television, flat screen' (one-way).")


class QueryRuleCreate(BaseModel):
    query: str
    action: Literal["pin", "bury", "redirect"]
    item_id: str | None = Field(None, description="pin / bury: the item.")
    position: int = Field(1, ge=1, description="pin: 1 = first.")
    url: str | None = Field(None, description="redirect: where to send the shopper.")


class ExperimentCreate(BaseModel):
    name: str = Field(description="Letters, digits, '.', '_' or '-'.")
    placement: Literal["home", "product", "cart", "search"]
    variants: dict[str, str] = Field(
        description='{"control": "v0003", "treatment": "v0004"}: variant → model version; the first is the control.'
    )
    traffic: list[float] | None = Field(None, description="Percent per variant, in order, summing to 100.")
    exploration: float = Field(0.0, ge=0.0, le=0.5, description="Share of slots shown at random.")
    stages_off: dict[str, list[str]] = Field(
        default_factory=dict,
        description='{"control": ["click"]}: variant → scoring stages it runs without (one version '
        "with and without its click stage).",
    )


class ExperimentShip(BaseModel):
    variant: str | None = Field(None, description="The variant to serve (default: the report's winner).")


class ItemPublic(BaseModel):
    item_id: str
    title: str
    description: str | None
    brand: str | None
    category: list[str]
    price: float | None
    currency: str | None
    attributes: dict[str, Any]
    image_url: str | None
    in_stock: bool | None


class AccountPublic(BaseModel):
    user_id: str
    channel: str | None


class ActivityPublic(BaseModel):
    item_id: str
    type: str
    channel: str | None
    timestamp: float


class CustomerPublic(BaseModel):
    customer_id: str
    accounts: list[AccountPublic]
    events_by_channel: dict[str, int]
    events: int
    recent: list[ActivityPublic] = Field(description="Newest first.")
    purchased: list[str]
    disliked: list[str] = Field(
        description="Items dismissed, returned or rated 1–2 stars (and not approved since): kept out of lists."
    )


class ForgetPublic(BaseModel):
    customer_id: str
    user_ids: list[str]
    events_deleted: int
    accounts_deleted: int
    model_version: str | None = None  # the version served after the customer's counts were removed


class ModelPublic(BaseModel):
    version: str | None
    previous: str | None = None


class HealthPublic(BaseModel):
    status: Literal["ok"]
    model_version: str | None
    items: int
    customers: int


class OnlineMetricsRowPublic(BaseModel):
    placement: str | None = Field(None, description="Present when grouped by placement.")
    model_version: str | None = Field(None, description="Present when grouped by model version.")
    variant: str | None = Field(None, description="Present when grouped by variant (null: no experiment).")
    day: str | None = Field(None, description="UTC day of the impressions (YYYY-MM-DD), when grouped by day.")
    requests: int
    impressions: int
    clicks: int = Field(description="Impressions clicked at least once.")
    carts: int
    purchases: int
    revenue: float
    ctr: float
    ctr_ci95: list[float | None] = Field(description="95 % Wilson interval [low, high].")
    cart_rate: float
    cart_rate_ci95: list[float | None]
    conversion: float = Field(description="Purchases per impression.")
    conversion_ci95: list[float | None]
    revenue_per_mille: float = Field(description="Revenue per 1,000 impressions.")
    revenue_per_mille_ci95: list[float | None] = Field(
        description="95 % delta-method interval over requests; null with fewer than two requests."
    )


class OnlineMetricsPublic(BaseModel):
    since: float | None
    until: float | None
    by: list[str]
    rows: list[OnlineMetricsRowPublic]
