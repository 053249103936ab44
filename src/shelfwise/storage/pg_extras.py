"""The PostgreSQL side of the narrow stores added after the core: merchant search rules
(``SearchRuleStore``, migration 0003), suspicious-activity flags (``AuditStore``, 0004), the
dashboard's aggregate reads (events per day, rejections per reason), the rejected input lines and the
API keys. A mixin
of ``PostgresStore``: it uses the store's connection, write lock and change log."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import orjson

from shelfwise.storage.audit import AuditFlag
from shelfwise.storage.base import (
    DAY_SECONDS,
    RULES_CHANGE,
    ApiKeyRecord,
    DailyCount,
    Rejection,
    StoredSearchRule,
)


class PostgresExtras:
    if TYPE_CHECKING:  # provided by PostgresStore
        _conn: Any

        def transaction(self) -> AbstractContextManager[None]: ...
        def record_change(self, kind: str, subject: str | None = None) -> None: ...
        def _one(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
        def _rowcount(self, sql: str, params: Sequence[Any] = ()) -> int: ...

    # ----------------------------------------------------------------- dashboard aggregates
    def daily_event_counts(self) -> list[DailyCount]:
        rows = self._conn.execute(
            f"SELECT FLOOR(ts / {DAY_SECONDS})::bigint, COALESCE(channel, 'unknown'), type, COUNT(*) "
            "FROM events GROUP BY 1, 2, 3 "
            'ORDER BY 1, COALESCE(channel, \'unknown\') COLLATE "C", type COLLATE "C"'  # as SQLite: bytewise
        )
        return [DailyCount(int(day), channel, kind, int(n)) for day, channel, kind, n in rows]

    def rejection_counts(self) -> list[tuple[str, str, int]]:
        rows = self._conn.execute(
            "SELECT source, reason, COUNT(*) FROM rejections GROUP BY 1, 2 "
            'ORDER BY 3 DESC, source COLLATE "C", reason COLLATE "C"'
        )
        return [(source, reason, int(n)) for source, reason, n in rows]

    # ----------------------------------------------------------------- search rules
    def add_search_rule(self, kind: str, body: dict[str, Any]) -> int:
        with self.transaction():
            row = self._conn.execute(
                "INSERT INTO search_rules (kind, body, created_at) VALUES (%s, %s, %s) RETURNING rule_id",
                (kind, orjson.dumps(body).decode(), time.time()),
            ).fetchone()
            self.record_change(RULES_CHANGE, kind)
            return int(row[0])

    def search_rules(self, kind: str | None = None) -> list[StoredSearchRule]:
        sql = "SELECT rule_id, kind, body, created_at FROM search_rules"
        rows = (
            self._conn.execute(f"{sql} WHERE kind = %s ORDER BY rule_id", (kind,))
            if kind
            else self._conn.execute(f"{sql} ORDER BY rule_id")
        )
        return list(_rules(rows.fetchall()))

    def remove_search_rule(self, rule_id: int) -> bool:
        with self.transaction():
            removed = self._conn.execute("DELETE FROM search_rules WHERE rule_id = %s", (rule_id,)).rowcount
            if removed:
                self.record_change(RULES_CHANGE, str(rule_id))
            return removed > 0

    # ----------------------------------------------------------------- audit flags
    def replace_audit_flags(self, flags: Sequence[AuditFlag]) -> None:
        now = time.time()
        with self.transaction():
            self._conn.execute("DELETE FROM audit_flags")
            with self._conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO audit_flags VALUES (%s, %s, %s, %s)",
                    [(f.user_id, orjson.dumps(list(f.reasons)).decode(), f.events, now) for f in flags],
                )

    def audit_flags(self) -> list[AuditFlag]:
        rows = self._conn.execute(
            'SELECT user_id, reasons, events FROM audit_flags ORDER BY user_id COLLATE "C"'
        ).fetchall()
        return [AuditFlag(user, tuple(orjson.loads(reasons)), events) for user, reasons, events in rows]

    def trust_user(self, user_id: str) -> bool:
        with self.transaction():
            self._conn.execute(
                "INSERT INTO audit_trusted VALUES (%s, %s) ON CONFLICT (user_id) DO UPDATE "
                "SET trusted_at = EXCLUDED.trusted_at",
                (user_id, time.time()),
            )
            return self._conn.execute("DELETE FROM audit_flags WHERE user_id = %s", (user_id,)).rowcount > 0

    def trusted_users(self) -> set[str]:
        return {row[0] for row in self._conn.execute("SELECT user_id FROM audit_trusted").fetchall()}

    def _forget_audit(self, user_ids: Sequence[str]) -> None:
        for table in ("audit_flags", "audit_trusted"):
            self._conn.execute(f"DELETE FROM {table} WHERE user_id = ANY(%s)", (list(user_ids),))

    # ----------------------------------------------------------------- rejections
    def record_rejections(self, rejections: Sequence[Rejection]) -> None:
        now = time.time()
        with self.transaction(), self._conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO rejections VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                [(r.source, r.line, r.reason, now) for r in rejections],
            )

    def count_rejections(self) -> int:
        return int(self._one("SELECT COUNT(*) FROM rejections"))

    # ----------------------------------------------------------------- API keys
    _KEY_SELECT = "SELECT key_id, secret_sha, scopes, name, created_at, revoked_at FROM api_keys"

    def add_api_key(self, record: ApiKeyRecord) -> None:
        with self.transaction():
            self._conn.execute(
                "INSERT INTO api_keys VALUES (%s, %s, %s, %s, %s, %s)",
                (record.key_id, record.secret_sha, " ".join(record.scopes), record.name, record.created_at,
                 record.revoked_at),
            )  # fmt: skip

    @staticmethod
    def _key_from_row(row: Sequence[Any]) -> ApiKeyRecord:
        return ApiKeyRecord(row[0], row[1], tuple(row[2].split()), row[3], row[4], row[5])

    def get_api_key(self, key_id: str) -> ApiKeyRecord | None:
        row = self._conn.execute(f"{self._KEY_SELECT} WHERE key_id = %s", (key_id,)).fetchone()  # type: ignore[arg-type]
        return None if row is None else self._key_from_row(row)

    def list_api_keys(self) -> list[ApiKeyRecord]:
        rows = self._conn.execute(f"{self._KEY_SELECT} ORDER BY created_at").fetchall()  # type: ignore[arg-type]
        return [self._key_from_row(r) for r in rows]

    def revoke_api_key(self, key_id: str, at: float) -> bool:
        with self.transaction():
            return (
                self._rowcount(
                    "UPDATE api_keys SET revoked_at = %s WHERE key_id = %s AND revoked_at IS NULL",
                    (at, key_id),
                )
                > 0
            )


def _rules(rows: list[tuple[Any, ...]]) -> Iterator[StoredSearchRule]:
    for rule_id, kind, body, created_at in rows:
        yield StoredSearchRule(int(rule_id), kind, orjson.loads(body), created_at)
