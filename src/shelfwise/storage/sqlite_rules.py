"""Merchant search rules on SQLite (table ``search_rules``, migration 0003).

A mixin of :class:`shelfwise.storage.sqlite.SQLiteStore`: it uses the store's connection and
transactions. Every write also appends a ``search_rules`` row to the change log in the same
transaction, so a server that follows the log reloads the rules on its next request.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import orjson

from shelfwise.storage.base import RULES_CHANGE, StoredSearchRule


class SQLiteSearchRules:
    _conn: sqlite3.Connection

    if TYPE_CHECKING:  # provided by SQLiteStore

        def transaction(self) -> AbstractContextManager[None]: ...
        def record_change(self, kind: str, subject: str | None = None) -> None: ...

    def add_search_rule(self, kind: str, body: dict[str, Any]) -> int:
        with self.transaction():
            cursor = self._conn.execute(
                "INSERT INTO search_rules (kind, body, created_at) VALUES (?,?,?)",
                (kind, orjson.dumps(body).decode(), time.time()),
            )
            self.record_change(RULES_CHANGE, kind)
            return int(cursor.lastrowid or 0)

    def search_rules(self, kind: str | None = None) -> list[StoredSearchRule]:
        sql = "SELECT rule_id, kind, body, created_at FROM search_rules"
        rows = (
            self._conn.execute(f"{sql} WHERE kind = ? ORDER BY rule_id", (kind,))
            if kind
            else self._conn.execute(f"{sql} ORDER BY rule_id")
        )
        return list(_records(rows.fetchall()))

    def remove_search_rule(self, rule_id: int) -> bool:
        with self.transaction():
            cursor = self._conn.execute("DELETE FROM search_rules WHERE rule_id = ?", (rule_id,))
            if cursor.rowcount:
                self.record_change(RULES_CHANGE, str(rule_id))
            return cursor.rowcount > 0


def _records(rows: list[tuple[Any, ...]]) -> Iterator[StoredSearchRule]:
    for rule_id, kind, body, created_at in rows:
        yield StoredSearchRule(rule_id, kind, orjson.loads(body), created_at)
