"""Storage chosen by URL: ``sqlite:///path.db`` (the embedded default) or ``memory://`` (tests).

PostgreSQL (``postgresql://``) is planned as an optional extra; callers only see the protocols in
``shelfwise.storage.base``.
"""

from __future__ import annotations

from shelfwise.errors import ConfigError
from shelfwise.storage.base import (
    AccountRecord,
    AccountStore,
    ApiKeyRecord,
    CatalogStore,
    Change,
    ChangeFeed,
    EventStore,
    IdentityKeyRecord,
    KeyStore,
    Rejection,
    RejectionStore,
    SearchRuleStore,
    Store,
    StoredAccount,
    StoredEvent,
    StoredSearchRule,
)
from shelfwise.storage.sqlite import SQLiteStore

__all__ = [
    "AccountRecord",
    "AccountStore",
    "ApiKeyRecord",
    "CatalogStore",
    "Change",
    "ChangeFeed",
    "EventStore",
    "IdentityKeyRecord",
    "KeyStore",
    "Rejection",
    "RejectionStore",
    "SQLiteStore",
    "SearchRuleStore",
    "Store",
    "StoredAccount",
    "StoredEvent",
    "StoredSearchRule",
    "open_store",
]


def open_store(url: str) -> SQLiteStore:
    """Open (and migrate) the store named by ``url``."""
    if url.startswith("sqlite:///"):
        return SQLiteStore(url.removeprefix("sqlite:///"), url=url)
    if url in ("memory://", "sqlite://:memory:"):
        return SQLiteStore(":memory:", url=url)
    if url.startswith(("postgres://", "postgresql://")):
        raise ConfigError("the PostgreSQL backend is not available yet; use sqlite:///path or memory://")
    raise ConfigError(f"unknown store URL {url!r}: expected sqlite:///path or memory://")
