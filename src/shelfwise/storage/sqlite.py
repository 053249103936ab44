"""The embedded default store: one SQLite file in WAL mode.

WAL lets readers (a server answering requests) run while an ingest writes. Every write goes
through ``transaction()``; nested calls join the outer transaction, so a caller can make a whole
file atomic (``--strict``) or commit batch by batch (a crash loses only the open batch).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from shelfwise.domain import NEGATIVE_RATING_MAX, RATING_TYPES, Event, Item
from shelfwise.errors import StoreError
from shelfwise.storage.audit import SQLiteAuditTables
from shelfwise.storage.base import (
    COLUMN_CHUNK,
    DAY_SECONDS,
    AccountRecord,
    ApiKeyRecord,
    Change,
    DailyCount,
    IdentityKeyRecord,
    Rejection,
    StoredAccount,
    StoredEvent,
)
from shelfwise.storage.columns import ColumnsBuilder, EventColumns
from shelfwise.storage.experiments import ExperimentTables
from shelfwise.storage.sqlite_feedback import SQLiteFeedback
from shelfwise.storage.sqlite_rules import SQLiteSearchRules

_EVENT_FIELDS = (
    "event_id, user_id, item_id, type, ts, channel, value, price, query, session_id, store_id, text, "
    "request_id, position, placement"
)
_EVENT_INSERT = f"INSERT OR IGNORE INTO events (event_key, {_EVENT_FIELDS}) VALUES ({','.join('?' * 16)})"
_EVENT_SELECT = f"SELECT seq, {_EVENT_FIELDS} FROM events"


def _event_from_row(row: tuple[Any, ...]) -> StoredEvent:
    return StoredEvent(
        seq=row[0],
        event=Event(
            event_id=row[1], user_id=row[2], item_id=row[3], type=row[4], timestamp=row[5], channel=row[6],
            value=row[7], price=row[8], query=row[9], session_id=row[10], store_id=row[11], text=row[12],
            request_id=row[13], position=row[14], placement=row[15],
        ),
    )  # fmt: skip


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("shelfwise.storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


class SQLiteStore(SQLiteAuditTables, SQLiteSearchRules, SQLiteFeedback, ExperimentTables):
    """Implements every protocol of ``shelfwise.storage.base`` on one SQLite database."""

    def __init__(self, path: str | Path, url: str | None = None) -> None:
        self.url = url or f"sqlite:///{path}"
        self._path = str(path)
        if self._path != ":memory:":
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False, timeout=30.0)
        except sqlite3.Error as exc:  # pragma: no cover - depends on the file system
            raise StoreError(f"cannot open {self._path}: {exc}") from exc
        self._lock = threading.RLock()
        self._depth = 0
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._migrate()

    # ----------------------------------------------------------------- plumbing
    def _migrate(self) -> None:
        with self.transaction():
            self._conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at REAL)")
            done = {row[0] for row in self._conn.execute("SELECT version FROM schema_migrations")}
            for version, script in _migrations():
                if version in done:
                    continue
                # Drop "--" comments first: they may contain ';'.
                code = "\n".join(line.split("--", 1)[0] for line in script.splitlines())
                for statement in code.split(";"):
                    if statement.strip():
                        self._conn.execute(statement)
                self._conn.execute("INSERT INTO schema_migrations VALUES (?, ?)", (version, time.time()))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._conn.execute("COMMIT")

    def close(self) -> None:
        self._conn.close()

    def schema_version(self) -> int:
        row = self._conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    # ----------------------------------------------------------------- catalog
    def upsert_items(self, items: Sequence[Item]) -> int:
        now = time.time()
        rows = [
            (
                it.item_id, it.title, it.description, it.brand, _dumps(list(it.category)), it.price, it.currency,
                _dumps(it.attributes), it.image_url, None if it.in_stock is None else int(it.in_stock),
                it.created_at, now,
            )
            for it in items
        ]
        with self.transaction():
            before = self._conn.total_changes
            # Only rows whose content changed are rewritten, so re-ingesting a file changes nothing.
            self._conn.executemany(
                """INSERT INTO items VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
                ON CONFLICT(item_id) DO UPDATE SET title=excluded.title, description=excluded.description,
                  brand=excluded.brand, category=excluded.category, price=excluded.price,
                  currency=excluded.currency, attributes=excluded.attributes, image_url=excluded.image_url,
                  in_stock=excluded.in_stock, created_at=excluded.created_at, updated_at=excluded.updated_at
                WHERE (title, description, brand, category, price, currency, attributes, image_url, in_stock,
                       created_at)
                  IS NOT (excluded.title, excluded.description, excluded.brand, excluded.category,
                          excluded.price, excluded.currency, excluded.attributes, excluded.image_url,
                          excluded.in_stock, excluded.created_at)""",
                rows,
            )
            return self._conn.total_changes - before

    @staticmethod
    def _item_from_row(row: sqlite3.Row | tuple[Any, ...]) -> Item:
        return Item(
            item_id=row[0], title=row[1], description=row[2], brand=row[3], category=tuple(orjson.loads(row[4])),
            price=row[5], currency=row[6], attributes=orjson.loads(row[7]), image_url=row[8],
            in_stock=None if row[9] is None else bool(row[9]), created_at=row[10],
        )

    def get_item(self, item_id: str) -> Item | None:
        row = self._conn.execute("SELECT * FROM items WHERE item_id = ?", (item_id,)).fetchone()
        return None if row is None else self._item_from_row(row)

    def iter_items(self) -> Iterator[Item]:
        for row in self._conn.execute("SELECT * FROM items ORDER BY rowid"):
            yield self._item_from_row(row)

    def count_items(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM items").fetchone()[0])

    # ----------------------------------------------------------------- accounts
    def _next_account_seq(self) -> int:
        return int(self._conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM accounts").fetchone()[0])

    def upsert_accounts(self, accounts: Sequence[AccountRecord]) -> int:
        now = time.time()
        changed = 0
        with self.transaction():
            seq = self._next_account_seq()
            for acc in accounts:
                old = self.get_account(acc.user_id)
                new_keys = set(acc.keys)
                if old is None:
                    self._conn.execute(
                        "INSERT INTO accounts (user_id, seq, channel, implicit, attributes, updated_at) VALUES (?,?,?,?,?,?)",
                        (acc.user_id, seq, acc.channel, 0, _dumps(acc.attributes), now),
                    )
                    seq += 1
                    changed += 1
                else:
                    channel = acc.channel or old.channel
                    merged_keys = set(old.keys) | new_keys
                    if old.implicit or channel != old.channel or (acc.attributes and acc.attributes != old.attributes) \
                            or merged_keys != set(old.keys):
                        self._conn.execute(
                            "UPDATE accounts SET channel=?, implicit=0, attributes=?, updated_at=? WHERE user_id=?",
                            (channel, _dumps(acc.attributes or old.attributes), now, acc.user_id),
                        )
                        changed += 1
                self._conn.executemany(
                    "INSERT OR IGNORE INTO account_keys VALUES (?,?,?,?)",
                    [(acc.user_id, k.kind, k.key_hash, int(k.strong)) for k in new_keys],
                )
        return changed

    def ensure_accounts(self, user_channels: Iterable[tuple[str, str | None]], customer_ids: dict[str, str]) -> int:
        now = time.time()
        with self.transaction():
            seq = self._next_account_seq()
            rows = []
            for offset, (user_id, channel) in enumerate(user_channels):
                rows.append((user_id, seq + offset, channel, customer_ids.get(user_id), now))
            before = self._conn.total_changes
            self._conn.executemany(
                "INSERT OR IGNORE INTO accounts (user_id, seq, channel, implicit, customer_id, updated_at) "
                "VALUES (?,?,?,1,?,?)",
                rows,
            )
            return self._conn.total_changes - before

    def _keys_of(self, user_ids: Sequence[str] | None = None) -> dict[str, list[IdentityKeyRecord]]:
        keys: dict[str, list[IdentityKeyRecord]] = {}
        if user_ids is None:
            cursor = self._conn.execute("SELECT user_id, kind, key_hash, strong FROM account_keys")
        else:
            marks = ",".join("?" * len(user_ids))
            cursor = self._conn.execute(
                f"SELECT user_id, kind, key_hash, strong FROM account_keys WHERE user_id IN ({marks})", list(user_ids)
            )
        for user_id, kind, key_hash, strong in cursor:
            keys.setdefault(user_id, []).append(IdentityKeyRecord(kind, key_hash, bool(strong)))
        return keys

    @staticmethod
    def _account_from_row(row: tuple[Any, ...], keys: list[IdentityKeyRecord]) -> StoredAccount:
        user_id, seq, channel, implicit, attributes, customer_id = row
        return StoredAccount(
            user_id=user_id, seq=seq, channel=channel, implicit=bool(implicit), customer_id=customer_id,
            keys=tuple(sorted(keys, key=lambda k: (k.kind, k.key_hash))), attributes=orjson.loads(attributes),
        )

    _ACCOUNT_SELECT = "SELECT user_id, seq, channel, implicit, attributes, customer_id FROM accounts"

    def get_account(self, user_id: str) -> StoredAccount | None:
        row = self._conn.execute(f"{self._ACCOUNT_SELECT} WHERE user_id = ?", (user_id,)).fetchone()
        if row is None:
            return None
        return self._account_from_row(row, self._keys_of([user_id]).get(user_id, []))

    def iter_accounts(self) -> Iterator[StoredAccount]:
        keys = self._keys_of()
        for row in self._conn.execute(f"{self._ACCOUNT_SELECT} ORDER BY seq").fetchall():
            yield self._account_from_row(row, keys.get(row[0], []))

    def account_customers(self) -> list[tuple[str, str | None]]:
        return self._conn.execute("SELECT user_id, customer_id FROM accounts ORDER BY seq").fetchall()

    def set_customer_ids(self, customer_of: dict[str, str]) -> int:
        with self.transaction():
            before = self._conn.total_changes
            self._conn.executemany(
                "UPDATE accounts SET customer_id = ? WHERE user_id = ? AND customer_id IS NOT ?",
                [(cid, uid, cid) for uid, cid in customer_of.items()],
            )
            return self._conn.total_changes - before

    def accounts_of_customer(self, customer_id: str) -> list[StoredAccount]:
        rows = self._conn.execute(f"{self._ACCOUNT_SELECT} WHERE customer_id = ? ORDER BY seq", (customer_id,)).fetchall()
        keys = self._keys_of([r[0] for r in rows]) if rows else {}
        return [self._account_from_row(r, keys.get(r[0], [])) for r in rows]

    def detached_users(self) -> set[str]:
        return {r[0] for r in self._conn.execute("SELECT user_id FROM identity_overrides WHERE action = 'detach'")}

    def set_detached(self, user_id: str, detached: bool) -> None:
        with self.transaction():
            if detached:
                self._conn.execute(
                    "INSERT OR REPLACE INTO identity_overrides VALUES (?, 'detach', ?)", (user_id, time.time())
                )
            else:
                self._conn.execute("DELETE FROM identity_overrides WHERE user_id = ?", (user_id,))

    def delete_accounts(self, user_ids: Sequence[str]) -> int:
        with self.transaction():
            before = self._conn.total_changes
            for table in ("account_keys", "identity_overrides"):
                self._conn.executemany(f"DELETE FROM {table} WHERE user_id = ?", [(u,) for u in user_ids])
            self._forget_audit(user_ids)
            mid = self._conn.total_changes
            self._conn.executemany("DELETE FROM accounts WHERE user_id = ?", [(u,) for u in user_ids])
            del before
            return self._conn.total_changes - mid

    # ----------------------------------------------------------------- events
    def append_events(self, keyed_events: Sequence[tuple[str, Event]]) -> int:
        rows = [
            (key, e.event_id, e.user_id, e.item_id, e.type, e.timestamp, e.channel, e.value, e.price, e.query,
             e.session_id, e.store_id, e.text, e.request_id, e.position, e.placement)
            for key, e in keyed_events
        ]
        with self.transaction():
            before = self._conn.total_changes
            self._conn.executemany(_EVENT_INSERT, rows)
            return self._conn.total_changes - before

    def iter_events(
        self, types: Iterable[str] | None = None, user_ids: Iterable[str] | None = None, with_query: bool = False
    ) -> Iterator[StoredEvent]:
        clauses, params = [], []
        if with_query:
            clauses.append("query IS NOT NULL AND query != ''")
        if types is not None:
            types = list(types)
            clauses.append(f"type IN ({','.join('?' * len(types))})")
            params.extend(types)
        if user_ids is not None:
            user_ids = list(user_ids)
            clauses.append(f"user_id IN ({','.join('?' * len(user_ids))})")
            params.extend(user_ids)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        for row in self._conn.execute(f"{_EVENT_SELECT} {where} ORDER BY ts, seq", params):
            yield _event_from_row(row)

    def event_columns(self) -> EventColumns:
        builder = ColumnsBuilder()
        cursor = self._conn.execute(f"{_EVENT_SELECT} ORDER BY ts, seq")
        while rows := cursor.fetchmany(COLUMN_CHUNK):
            builder.add(rows)
        return builder.build()

    def event_counts_by_item(self, types: Iterable[str]) -> dict[str, int]:
        types = list(types)
        ratings = sorted(RATING_TYPES)
        sql = (
            f"SELECT item_id, COUNT(*) FROM events WHERE type IN ({','.join('?' * len(types))}) "
            f"AND item_id IS NOT NULL AND NOT (type IN ({','.join('?' * len(ratings))}) "
            "AND value IS NOT NULL AND value <= ?) GROUP BY item_id"
        )
        params = [*types, *ratings, NEGATIVE_RATING_MAX]
        return {item_id: int(n) for item_id, n in self._conn.execute(sql, params)}

    def channel_counts_by_user(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for user_id, channel, n in self._conn.execute(
            "SELECT user_id, COALESCE(channel, 'unknown'), COUNT(*) FROM events GROUP BY 1, 2"
        ):
            counts.setdefault(user_id, {})[channel] = n
        return counts

    def daily_event_counts(self) -> list[DailyCount]:
        rows = self._conn.execute(
            f"SELECT CAST(ts / {DAY_SECONDS} AS INTEGER) - (ts < 0 AND ts % {DAY_SECONDS} != 0) AS day, "
            "COALESCE(channel, 'unknown'), type, COUNT(*) FROM events GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        )
        return [DailyCount(int(day), channel, kind, int(n)) for day, channel, kind, n in rows]

    def count_events(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def delete_events_of(self, user_ids: Sequence[str]) -> int:
        with self.transaction():
            before = self._conn.total_changes
            self._conn.executemany("DELETE FROM events WHERE user_id = ?", [(u,) for u in user_ids])
            return self._conn.total_changes - before

    # ----------------------------------------------------------------- rejections
    def record_rejections(self, rejections: Sequence[Rejection]) -> None:
        now = time.time()
        with self.transaction():
            self._conn.executemany(
                "INSERT OR IGNORE INTO rejections VALUES (?,?,?,?)",
                [(r.source, r.line, r.reason, now) for r in rejections],
            )

    def count_rejections(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM rejections").fetchone()[0])

    def rejection_counts(self) -> list[tuple[str, str, int]]:
        rows = self._conn.execute(
            "SELECT source, reason, COUNT(*) FROM rejections GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2"
        )
        return [(source, reason, int(n)) for source, reason, n in rows]

    # ----------------------------------------------------------------- API keys
    def add_api_key(self, record: ApiKeyRecord) -> None:
        with self.transaction():
            self._conn.execute(
                "INSERT INTO api_keys VALUES (?,?,?,?,?,?)",
                (
                    record.key_id,
                    record.secret_sha,
                    " ".join(record.scopes),
                    record.name,
                    record.created_at,
                    record.revoked_at,
                ),
            )

    @staticmethod
    def _key_from_row(row: tuple[Any, ...]) -> ApiKeyRecord:
        return ApiKeyRecord(row[0], row[1], tuple(row[2].split()), row[3], row[4], row[5])

    def get_api_key(self, key_id: str) -> ApiKeyRecord | None:
        row = self._conn.execute("SELECT * FROM api_keys WHERE key_id = ?", (key_id,)).fetchone()
        return None if row is None else self._key_from_row(row)

    def list_api_keys(self) -> list[ApiKeyRecord]:
        return [
            self._key_from_row(r) for r in self._conn.execute("SELECT * FROM api_keys ORDER BY created_at")
        ]

    def revoke_api_key(self, key_id: str, at: float) -> bool:
        with self.transaction():
            cursor = self._conn.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL", (at, key_id)
            )
            return cursor.rowcount > 0

    # ----------------------------------------------------------------- change feed
    def events_after(self, seq: int, limit: int = 10_000) -> list[StoredEvent]:
        rows = self._conn.execute(f"{_EVENT_SELECT} WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)).fetchall()
        return [_event_from_row(r) for r in rows]

    def items_updated_since(self, updated_at: float) -> list[tuple[float, Item]]:
        rows = self._conn.execute(
            "SELECT * FROM items WHERE updated_at >= ? ORDER BY updated_at", (updated_at,)
        )
        return [(row[11], self._item_from_row(row)) for row in rows.fetchall()]

    def record_change(self, kind: str, subject: str | None = None) -> None:
        with self.transaction():
            self._conn.execute(
                "INSERT INTO change_log (kind, subject, at) VALUES (?,?,?)", (kind, subject, time.time())
            )

    def changes_after(self, seq: int) -> list[Change]:
        rows = self._conn.execute(
            "SELECT seq, kind, subject FROM change_log WHERE seq > ? ORDER BY seq", (seq,)
        )
        return [Change(*row) for row in rows.fetchall()]

    # ----------------------------------------------------------------- summary
    def stats(self) -> dict[str, Any]:
        one = lambda sql: int(self._conn.execute(sql).fetchone()[0])  # noqa: E731
        by = lambda col: {  # noqa: E731
            (k if k is not None else "unknown"): n
            for k, n in self._conn.execute(f"SELECT {col}, COUNT(*) FROM events GROUP BY {col} ORDER BY 2 DESC, 1")
        }
        return {
            "items": one("SELECT COUNT(*) FROM items"),
            "accounts": one("SELECT COUNT(*) FROM accounts"),
            "customers": one("SELECT COUNT(DISTINCT COALESCE(customer_id, user_id)) FROM accounts"),
            "events": one("SELECT COUNT(*) FROM events"),
            "events_by_channel": by("channel"),
            "events_by_type": by("type"),
            "rejected": one("SELECT COUNT(*) FROM rejections"),
        }
