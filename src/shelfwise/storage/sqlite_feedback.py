"""The feedback log on SQLite (tables ``impressions`` and ``outcomes``, migration 0005).

A mixin of :class:`shelfwise.storage.sqlite.SQLiteStore`: it uses the store's connection and
transactions. Uniqueness lives in the schema (``UNIQUE (request_id, item_id, origin)`` and
``UNIQUE (event_id, type)``), so re-sending a batch is skipped row by row by ``INSERT OR IGNORE``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from shelfwise.domain import Impression, Outcome
from shelfwise.storage.feedback_rows import (
    IMPRESSION_COLUMNS,
    IMPRESSION_FIELDS,
    OUTCOME_COLUMNS,
    impression_from_row,
    impression_row,
    outcome_from_row,
    outcome_row,
    time_clauses,
)

_IMPRESSION_SELECT = f"SELECT {IMPRESSION_COLUMNS} FROM impressions"
_OUTCOME_SELECT = f"SELECT {OUTCOME_COLUMNS} FROM outcomes"


class SQLiteFeedback:
    _conn: sqlite3.Connection

    if TYPE_CHECKING:  # provided by SQLiteStore

        def transaction(self) -> AbstractContextManager[None]: ...

    def append_impressions(self, impressions: Sequence[Impression]) -> int:
        with self.transaction():
            before = self._conn.total_changes
            self._conn.executemany(
                f"INSERT OR IGNORE INTO impressions ({IMPRESSION_COLUMNS}) VALUES ({','.join('?' * IMPRESSION_FIELDS)})",
                [impression_row(imp) for imp in impressions],
            )
            return self._conn.total_changes - before

    def iter_impressions(
        self, since: float | None = None, until: float | None = None, placement: str | None = None
    ) -> Iterator[Impression]:
        clauses, params = time_clauses(since, until, "?")
        if placement is not None:
            clauses.append("placement = ?")
            params.append(placement)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        for row in self._conn.execute(f"{_IMPRESSION_SELECT} {where} ORDER BY ts, seq", params):
            yield impression_from_row(row)

    def impressions_of_request(self, request_id: str) -> list[Impression]:
        rows = self._conn.execute(
            f"{_IMPRESSION_SELECT} WHERE request_id = ? ORDER BY position, seq", (request_id,)
        ).fetchall()
        return [impression_from_row(row) for row in rows]

    def latest_impression(self, customer_id: str, item_id: str, after: float) -> Impression | None:
        row = self._conn.execute(
            f"{_IMPRESSION_SELECT} WHERE customer_id = ? AND item_id = ? AND ts >= ? ORDER BY ts DESC, seq DESC LIMIT 1",
            (customer_id, item_id, after),
        ).fetchone()
        return None if row is None else impression_from_row(row)

    def record_outcomes(self, outcomes: Sequence[Outcome]) -> int:
        with self.transaction():
            before = self._conn.total_changes
            self._conn.executemany(
                f"INSERT OR IGNORE INTO outcomes ({OUTCOME_COLUMNS}) VALUES ({','.join('?' * 12)})",
                [outcome_row(out) for out in outcomes],
            )
            return self._conn.total_changes - before

    def iter_outcomes(self, since: float | None = None, until: float | None = None) -> Iterator[Outcome]:
        clauses, params = time_clauses(since, until, "?")
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        for row in self._conn.execute(f"{_OUTCOME_SELECT} {where} ORDER BY ts, seq", params):
            yield outcome_from_row(row)

    def delete_feedback_of(self, customer_ids: Sequence[str], user_ids: Sequence[str]) -> int:
        customers, users = list(customer_ids), list(user_ids)
        in_customers, in_users = _marks(customers), _marks(users)
        with self.transaction():
            before = self._conn.total_changes
            # Outcomes go first: those credited to an impression of a forgotten account go too,
            # even when the crediting event carried no customer id.
            self._conn.execute(
                f"""DELETE FROM outcomes WHERE customer_id IN ({in_customers}) OR request_id IN (
                      SELECT request_id FROM impressions
                      WHERE customer_id IN ({in_customers}) OR user_id IN ({in_users}))""",
                [*customers, *customers, *users],
            )
            self._conn.execute(
                f"DELETE FROM impressions WHERE customer_id IN ({in_customers}) OR user_id IN ({in_users})",
                [*customers, *users],
            )
            return self._conn.total_changes - before


def _marks(values: Sequence[Any]) -> str:
    """``?,?,…`` for ``values``; ``NULL`` for none (``x IN (NULL)`` matches nothing)."""
    return ",".join("?" * len(values)) or "NULL"
