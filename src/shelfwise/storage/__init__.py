"""Storage chosen by URL: ``sqlite:///path.db`` (the embedded default), ``memory://`` (tests) or
``postgresql://user@host:port/db`` (several servers on one database; needs the ``postgres`` extra).
Callers only see the protocols in ``shelfwise.storage.base``.
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
    FeedbackStore,
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
from shelfwise.storage.pg_connect import redact_url
from shelfwise.storage.sqlite import SQLiteStore

__all__ = [
    "AccountRecord",
    "AccountStore",
    "ApiKeyRecord",
    "CatalogStore",
    "Change",
    "ChangeFeed",
    "EventStore",
    "FeedbackStore",
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


def open_store(url: str) -> Store:
    """Open (and migrate) the store named by ``url``."""
    if url.startswith("sqlite:///"):
        return SQLiteStore(url.removeprefix("sqlite:///"), url=url)
    if url in ("memory://", "sqlite://:memory:"):
        return SQLiteStore(":memory:", url=url)
    if url.startswith(("postgres://", "postgresql://")):
        from shelfwise.storage.postgres import PostgresStore  # psycopg is imported only when used

        return PostgresStore(url)
    raise ConfigError(
        f"unknown store URL {redact_url(url)!r}: expected sqlite:///path, memory:// or postgresql://user@host/db"
    )
