"""Narrow storage interfaces, split by kind of data (source-of-truth catalog and events,
derived identity). One backend class may implement several; callers depend on these protocols
only, so a PostgreSQL backend can follow without touching them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from shelfwise.domain import Event, Item


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


class CatalogStore(Protocol):
    def upsert_items(self, items: Sequence[Item]) -> int: ...
    def get_item(self, item_id: str) -> Item | None: ...
    def iter_items(self) -> Iterator[Item]: ...
    def count_items(self) -> int: ...


class AccountStore(Protocol):
    def upsert_accounts(self, accounts: Sequence[AccountRecord]) -> int: ...
    def ensure_accounts(self, user_channels: Iterable[tuple[str, str | None]], customer_ids: dict[str, str]) -> int:
        """Create implicit accounts for users first seen in events; returns how many were new."""
        ...

    def get_account(self, user_id: str) -> StoredAccount | None: ...
    def iter_accounts(self) -> Iterator[StoredAccount]: ...
    def set_customer_ids(self, customer_of: dict[str, str]) -> int: ...
    def accounts_of_customer(self, customer_id: str) -> list[StoredAccount]: ...
    def detached_users(self) -> set[str]: ...
    def set_detached(self, user_id: str, detached: bool) -> None: ...
    def delete_accounts(self, user_ids: Sequence[str]) -> int: ...


class EventStore(Protocol):
    def append_events(self, keyed_events: Sequence[tuple[str, Event]]) -> int:
        """Insert events not stored yet (by key); returns how many were new."""
        ...

    def iter_events(self, types: Iterable[str] | None = None, user_ids: Iterable[str] | None = None) -> Iterator[StoredEvent]:
        """Events in (timestamp, ingestion order)."""
        ...

    def channel_counts_by_user(self) -> dict[str, dict[str, int]]:
        """Events per channel for every user id that has events."""
        ...

    def count_events(self) -> int: ...
    def delete_events_of(self, user_ids: Sequence[str]) -> int: ...


class RejectionStore(Protocol):
    def record_rejections(self, rejections: Sequence[Rejection]) -> None: ...
    def count_rejections(self) -> int: ...


class Store(CatalogStore, AccountStore, EventStore, RejectionStore, Protocol):
    """Everything the embedded default offers, plus transactions and summary counts."""

    url: str

    def transaction(self) -> AbstractContextManager[None]: ...
    def stats(self) -> dict[str, Any]: ...
    def close(self) -> None: ...
