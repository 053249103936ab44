"""Narrow storage interfaces, split by kind of data (source-of-truth catalog and events,
derived identity). One backend class may implement several; callers depend on these protocols
only, so a PostgreSQL backend can follow without touching them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from shelfwise.domain import Event, Impression, Item, Outcome
from shelfwise.storage.columns import EventColumns


@dataclass(frozen=True, slots=True)
class IdentityKeyRecord:
    kind: str
    key_hash: str
    strong: bool


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """An account as stored: identity keys already pseudonymized."""

    user_id: str
    channel: str | None = None
    keys: tuple[IdentityKeyRecord, ...] = ()
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoredAccount:
    user_id: str
    seq: int
    channel: str | None
    implicit: bool
    customer_id: str | None
    keys: tuple[IdentityKeyRecord, ...]
    attributes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Rejection:
    source: str
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class StoredEvent:
    seq: int
    event: Event


DAY_SECONDS = 86_400
COLUMN_CHUNK = 50_000  # rows read per fetch by ``event_columns``


@dataclass(frozen=True, slots=True)
class DailyCount:
    day: int  # days since 1970-01-01 (UTC)
    channel: str
    type: str
    events: int


class CatalogStore(Protocol):
    def upsert_items(self, items: Sequence[Item]) -> int: ...
    def get_item(self, item_id: str) -> Item | None: ...
    def iter_items(self) -> Iterator[Item]: ...
    def count_items(self) -> int: ...


class AccountStore(Protocol):
    def upsert_accounts(self, accounts: Sequence[AccountRecord]) -> int: ...
    def ensure_accounts(
        self, user_channels: Iterable[tuple[str, str | None]], customer_ids: dict[str, str]
    ) -> int:
        """Create implicit accounts for users first seen in events; returns how many were new."""
        ...

    def get_account(self, user_id: str) -> StoredAccount | None: ...
    def iter_accounts(self) -> Iterator[StoredAccount]: ...
    def account_customers(self) -> list[tuple[str, str | None]]:
        """(user id, stored customer id or None) of every account, in ``iter_accounts`` order: what
        grouping accounts by customer reads, without decoding their keys and attributes."""
        ...

    def set_customer_ids(self, customer_of: dict[str, str]) -> int: ...
    def accounts_of_customer(self, customer_id: str) -> list[StoredAccount]: ...
    def detached_users(self) -> set[str]: ...
    def set_detached(self, user_id: str, detached: bool) -> None: ...
    def delete_accounts(self, user_ids: Sequence[str]) -> int: ...


class EventStore(Protocol):
    def append_events(self, keyed_events: Sequence[tuple[str, Event]]) -> int:
        """Insert events not stored yet (by key); returns how many were new."""
        ...

    def iter_events(
        self,
        types: Iterable[str] | None = None,
        user_ids: Iterable[str] | None = None,
        with_query: bool = False,
    ) -> Iterator[StoredEvent]:
        """Events in (timestamp, ingestion order); ``with_query``: only those carrying a search query."""
        ...

    def event_columns(self) -> EventColumns:
        """Every event, in (timestamp, ingestion) order as ``iter_events`` yields them, as columns
        (``shelfwise.storage.columns``): one read shared by the steps of ``train``."""
        ...

    def event_counts_by_item(self, types: Iterable[str]) -> dict[str, int]:
        """How many events of ``types`` each item has (items without any are absent); ratings of
        ``NEGATIVE_RATING_MAX`` stars or fewer are negative signals, never counted."""
        ...

    def channel_counts_by_user(self) -> dict[str, dict[str, int]]:
        """Events per channel for every user id that has events."""
        ...

    def daily_event_counts(self) -> list[DailyCount]:
        """Events per (UTC day, channel, type), oldest day first; a missing channel is ``unknown``."""
        ...

    def count_events(self) -> int: ...
    def delete_events_of(self, user_ids: Sequence[str]) -> int: ...


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    key_id: str
    secret_sha: str  # hex SHA-256 of the key's secret part; the key itself is never stored
    scopes: tuple[str, ...]
    name: str | None
    created_at: float
    revoked_at: float | None = None


class KeyStore(Protocol):
    def add_api_key(self, record: ApiKeyRecord) -> None: ...
    def get_api_key(self, key_id: str) -> ApiKeyRecord | None: ...
    def list_api_keys(self) -> list[ApiKeyRecord]: ...
    def revoke_api_key(self, key_id: str, at: float) -> bool:
        """Mark a key revoked; False when there is no such (unrevoked) key."""
        ...


@dataclass(frozen=True, slots=True)
class Change:
    seq: int
    kind: str  # identity | forget | search_rules
    subject: str | None


class ChangeFeed(Protocol):
    """What a long-running server follows to stay current with writes made by other processes."""

    def events_after(self, seq: int, limit: int = 10_000) -> list[StoredEvent]:
        """Events with a larger ``seq``, in seq (commit) order."""
        ...

    def items_updated_since(self, updated_at: float) -> list[tuple[float, Item]]: ...
    def record_change(self, kind: str, subject: str | None = None) -> None: ...
    def changes_after(self, seq: int) -> list[Change]: ...


@dataclass(frozen=True, slots=True)
class StoredSearchRule:
    rule_id: int
    kind: str  # synonym | pin | bury | redirect
    body: dict[str, Any]  # validated by shelfwise.search.rules
    created_at: float


RULES_CHANGE = "search_rules"  # the change-log kind a rule write appends


class SearchRuleStore(Protocol):
    """Merchant-managed synonyms and query rules. Writes also append a ``search_rules`` change."""

    def add_search_rule(self, kind: str, body: dict[str, Any]) -> int: ...
    def search_rules(self, kind: str | None = None) -> list[StoredSearchRule]: ...
    def remove_search_rule(self, rule_id: int) -> bool: ...


class FeedbackStore(Protocol):
    """The feedback loop's log: impressions served or rendered, and the outcomes credited to them.

    Shared contract of the feedback loop (online metrics, experiments, the click model): code that
    reads impressions or outcomes depends on this protocol only.
    """

    def append_impressions(self, impressions: Sequence[Impression]) -> int:
        """Store a batch in one transaction; a (request_id, item_id, origin) already stored is skipped."""
        ...

    def iter_impressions(
        self, since: float | None = None, until: float | None = None, placement: str | None = None
    ) -> Iterator[Impression]:
        """Impressions with ``since <= timestamp < until``, in time (then arrival) order."""
        ...

    def impressions_of_request(self, request_id: str) -> list[Impression]:
        """Every impression of one list (all origins), by position."""
        ...

    def latest_impression(self, customer_id: str, item_id: str, after: float) -> Impression | None:
        """The customer's newest impression of the item at or after ``after`` (attribution window)."""
        ...

    def record_outcomes(self, outcomes: Sequence[Outcome]) -> int:
        """Store credits; an outcome whose (event_id, type) is already stored is skipped. Returns new rows."""
        ...

    def iter_outcomes(self, since: float | None = None, until: float | None = None) -> Iterator[Outcome]:
        """Outcomes with ``since <= timestamp < until``, in time (then arrival) order."""
        ...

    def delete_feedback_of(self, customer_ids: Sequence[str], user_ids: Sequence[str]) -> int:
        """Forget: remove the impressions and outcomes of these customers/accounts."""
        ...


EXPERIMENTS_CHANGE = "experiments"  # the change-log kind an experiment write appends
EXPERIMENT_STATUSES = ("running", "stopped", "shipped")


@dataclass(frozen=True, slots=True)
class ExperimentRecord:
    """An A/B experiment between model versions on one placement, as stored."""

    name: str
    placement: str
    variants: dict[str, str]  # variant → model version, in the order given (the first is the control)
    traffic: dict[str, float]  # variant → share of customers; the shares sum to 1
    salt: str  # makes assignment independent across experiments
    status: str  # running | stopped | shipped
    created_at: float
    exploration: float = 0.0  # share of slots filled at random, with the propensity logged
    stopped_at: float | None = None
    shipped_variant: str | None = None
    # variant → scoring stages it runs without (e.g. ``{"control": ("click",)}``: the same version
    # with and without its click stage); a variant not named runs every stage its version has.
    stages_off: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def control(self) -> str:
        return next(iter(self.variants))


class ExperimentStore(Protocol):
    """A/B experiments. Writes also append an ``experiments`` change so servers follow them."""

    def add_experiment(self, experiment: ExperimentRecord) -> None:
        """Store a new experiment; ``ConflictError`` when the name is taken or (running) another
        experiment already runs on its placement."""
        ...

    def get_experiment(self, name: str) -> ExperimentRecord | None: ...
    def list_experiments(self, status: str | None = None) -> list[ExperimentRecord]:
        """Oldest first."""
        ...

    def end_experiment(self, name: str, status: str, at: float, shipped_variant: str | None = None) -> bool:
        """Move a running experiment to ``stopped`` or ``shipped``; False when it is not running."""
        ...


class RejectionStore(Protocol):
    def record_rejections(self, rejections: Sequence[Rejection]) -> None: ...
    def count_rejections(self) -> int: ...
    def rejection_counts(self) -> list[tuple[str, str, int]]:
        """(source, reason, rows) for every distinct rejection reason of every source."""
        ...


class Store(
    CatalogStore,
    AccountStore,
    EventStore,
    RejectionStore,
    KeyStore,
    ChangeFeed,
    SearchRuleStore,
    ExperimentStore,
    FeedbackStore,
    Protocol,
):
    """Everything the embedded default offers, plus transactions and summary counts."""

    url: str

    def transaction(self) -> AbstractContextManager[None]: ...
    def stats(self) -> dict[str, Any]: ...
    def close(self) -> None: ...
