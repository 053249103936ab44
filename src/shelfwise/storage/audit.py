"""Storage of the suspicious-activity flags (``audit_flags``, ``audit_trusted``; migration 0004).

A mixin of ``SQLiteStore`` kept in its own module: the flags are derived data with their own
narrow protocol, ``AuditStore``."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

import orjson


@dataclass(frozen=True, slots=True)
class AuditFlag:
    user_id: str
    reasons: tuple[str, ...]
    events: int


class AuditStore(Protocol):
    def replace_audit_flags(self, flags: Sequence[AuditFlag]) -> None: ...
    def audit_flags(self) -> list[AuditFlag]: ...
    def trust_user(self, user_id: str) -> bool:
        """Trust an account; True when it was flagged (its flag is removed)."""
        ...

    def trusted_users(self) -> set[str]: ...


class SQLiteAuditTables:
    """``AuditStore`` over the SQLite connection and transactions of ``SQLiteStore``."""

    _conn: sqlite3.Connection

    def transaction(self) -> AbstractContextManager[None]:  # provided by SQLiteStore
        raise NotImplementedError

    def replace_audit_flags(self, flags: Sequence[AuditFlag]) -> None:
        now = time.time()
        with self.transaction():
            self._conn.execute("DELETE FROM audit_flags")
            self._conn.executemany(
                "INSERT INTO audit_flags VALUES (?,?,?,?)",
                [(f.user_id, orjson.dumps(list(f.reasons)).decode(), f.events, now) for f in flags],
            )

    def audit_flags(self) -> list[AuditFlag]:
        rows = self._conn.execute("SELECT user_id, reasons, events FROM audit_flags ORDER BY user_id")
        return [AuditFlag(user, tuple(orjson.loads(reasons)), events) for user, reasons, events in rows]

    def trust_user(self, user_id: str) -> bool:
        with self.transaction():
            self._conn.execute("INSERT OR REPLACE INTO audit_trusted VALUES (?, ?)", (user_id, time.time()))
            return self._conn.execute("DELETE FROM audit_flags WHERE user_id = ?", (user_id,)).rowcount > 0

    def trusted_users(self) -> set[str]:
        return {row[0] for row in self._conn.execute("SELECT user_id FROM audit_trusted")}

    def _forget_audit(self, user_ids: Sequence[str]) -> None:
        for table in ("audit_flags", "audit_trusted"):
            self._conn.executemany(f"DELETE FROM {table} WHERE user_id = ?", [(u,) for u in user_ids])
