"""The feedback log on PostgreSQL (tables ``impressions`` and ``outcomes``, migration 0005).

A mixin of ``PostgresStore``: it uses the store's connection, write lock and COPY staging. Batches
(the server's impression logger writes hundreds of rows at a time) go through ``COPY`` into a
session staging table, then one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` keeps the uniqueness
the ``FeedbackStore`` protocol promises, as SQLite's ``INSERT OR IGNORE`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

from shelfwise.domain import Impression, Outcome
from shelfwise.storage.feedback_rows import (
    IMPRESSION_COLUMNS,
    OUTCOME_COLUMNS,
    impression_from_row,
    impression_row,
    outcome_from_row,
    outcome_row,
    time_clauses,
)

PAGE = 20_000  # rows per page when iterating (as postgres.PAGE)
# Every select ends with (ts, seq): the page key of ``_pages``.
_IMPRESSION_SELECT = f"SELECT {IMPRESSION_COLUMNS}, ts, seq FROM impressions"
_OUTCOME_SELECT = f"SELECT {OUTCOME_COLUMNS}, ts, seq FROM outcomes"
T = TypeVar("T")


class PostgresFeedback:
    if TYPE_CHECKING:  # provided by PostgresStore
        _conn: Any

        def transaction(self) -> AbstractContextManager[None]: ...
        def _copy(self, table: str, columns: str, rows: Iterable[Sequence[Any]]) -> None: ...
        def _rowcount(self, sql: str, params: Sequence[Any] = ()) -> int: ...

    def append_impressions(self, impressions: Sequence[Impression]) -> int:
        if not impressions:
            return 0
        with self.transaction():
            self._copy(
                "stage_impressions", f"ord, {IMPRESSION_COLUMNS}",
                ((i, *impression_row(imp)) for i, imp in enumerate(impressions)),
            )  # fmt: skip
            return self._rowcount(
                f"INSERT INTO impressions ({IMPRESSION_COLUMNS}) SELECT {IMPRESSION_COLUMNS} "
                "FROM stage_impressions ORDER BY ord ON CONFLICT (request_id, item_id, origin) DO NOTHING"
            )

    def iter_impressions(
        self, since: float | None = None, until: float | None = None, placement: str | None = None
    ) -> Iterator[Impression]:
        clauses, params = time_clauses(since, until, "%s")
        if placement is not None:
            clauses.append("placement = %s")
            params.append(placement)
        return self._pages(_IMPRESSION_SELECT, clauses, params, impression_from_row)

    def impressions_of_request(self, request_id: str) -> list[Impression]:
        rows = self._conn.execute(
            f"{_IMPRESSION_SELECT} WHERE request_id = %s ORDER BY position, seq", (request_id,)
        ).fetchall()
        return [impression_from_row(row) for row in rows]

    def latest_impression(self, customer_id: str, item_id: str, after: float) -> Impression | None:
        row = self._conn.execute(
            f"{_IMPRESSION_SELECT} WHERE customer_id = %s AND item_id = %s AND ts >= %s "
            "ORDER BY ts DESC, seq DESC LIMIT 1",
            (customer_id, item_id, after),
        ).fetchone()
        return None if row is None else impression_from_row(row)

    def record_outcomes(self, outcomes: Sequence[Outcome]) -> int:
        if not outcomes:
            return 0
        with self.transaction():
            self._copy(
                "stage_outcomes", f"ord, {OUTCOME_COLUMNS}",
                ((i, *outcome_row(out)) for i, out in enumerate(outcomes)),
            )  # fmt: skip
            return self._rowcount(
                f"INSERT INTO outcomes ({OUTCOME_COLUMNS}) SELECT {OUTCOME_COLUMNS} "
                "FROM stage_outcomes ORDER BY ord ON CONFLICT (event_id, type) DO NOTHING"
            )

    def iter_outcomes(self, since: float | None = None, until: float | None = None) -> Iterator[Outcome]:
        clauses, params = time_clauses(since, until, "%s")
        return self._pages(_OUTCOME_SELECT, clauses, params, outcome_from_row)

    def delete_feedback_of(self, customer_ids: Sequence[str], user_ids: Sequence[str]) -> int:
        customers, users = list(customer_ids), list(user_ids)
        with self.transaction():
            # Outcomes first: those credited to an impression of a forgotten account go too.
            removed = self._rowcount(
                """DELETE FROM outcomes WHERE customer_id = ANY(%s) OR request_id IN (
                     SELECT request_id FROM impressions WHERE customer_id = ANY(%s) OR user_id = ANY(%s))""",
                (customers, customers, users),
            )
            return removed + self._rowcount(
                "DELETE FROM impressions WHERE customer_id = ANY(%s) OR user_id = ANY(%s)", (customers, users)
            )

    def _pages(
        self, select: str, clauses: list[str], params: list[Any], convert: Callable[[Sequence[Any]], T]
    ) -> Iterator[T]:
        """Rows in (ts, seq) order, a page at a time, so a caller may write while iterating."""
        after: tuple[float, int] | None = None
        while True:
            where, page_params = list(clauses), list(params)
            if after is not None:
                where.append("(ts, seq) > (%s, %s)")
                page_params.extend(after)
            sql = f"{select} {'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY ts, seq LIMIT %s"
            rows = self._conn.execute(sql, [*page_params, PAGE]).fetchall()
            for row in rows:
                yield convert(row)
            if len(rows) < PAGE:
                return
            after = (rows[-1][-2], rows[-1][-1])
