"""The PostgreSQL store: ``postgresql://user@host:port/db``, for several servers on one database.

It implements the same protocols as ``SQLiteStore`` with the same semantics, so the contract tests
run unchanged against both:

- **Writes are serialized** like SQLite's ``BEGIN IMMEDIATE``: every outer transaction takes one
  advisory lock first. That keeps ``events.seq`` and ``change_log.seq`` committed in the order they
  were assigned, so a server following "seq > the last one I applied" never skips a row that a
  slower transaction committed later; it also keeps account ``seq`` (first-seen order) gap-free.
- **Bulk writes go through ``COPY``** into per-session temporary staging tables, then one
  ``INSERT … SELECT … ON CONFLICT`` moves them: idempotency by the event's content key holds as in
  SQLite (``DO NOTHING``), and only changed items are rewritten (``IS DISTINCT FROM``).
- Reads page through large tables by key, so a caller may use the store while iterating.

Connection failures become one ``StoreError`` that names the URL without its password.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from typing import Any

from shelfwise.domain import NEGATIVE_RATING_MAX, RATING_TYPES, Event, Item
from shelfwise.storage.base import (
    COLUMN_CHUNK,
    AccountRecord,
    Change,
    IdentityKeyRecord,
    StoredAccount,
    StoredEvent,
)
from shelfwise.storage.columns import ColumnsBuilder, EventColumns
from shelfwise.storage.experiments import ExperimentTables
from shelfwise.storage.pg_connect import connect, redact_url
from shelfwise.storage.pg_extras import PostgresExtras
from shelfwise.storage.pg_feedback import PostgresFeedback
from shelfwise.storage.pg_sql import (
    ACCOUNT_SELECT,
    EVENT_COLUMNS,
    EVENT_SELECT,
    ITEM_COLUMNS,
    ITEM_UPSERT_TAIL,
    STAGING,
    account_from_row,
    dumps,
    event_from_row,
    item_from_row,
)

# One 64-bit advisory lock key for "a Shelfwise write is in progress" (an arbitrary constant).
WRITE_LOCK = 0x5E1F_2026_0001
PAGE = 20_000  # rows per page when iterating large tables


def _event_row(key: str, e: Event) -> tuple[Any, ...]:
    """An event's values in ``EVENT_COLUMNS`` order."""
    return (key, e.event_id, e.user_id, e.item_id, e.type, e.timestamp, e.channel, e.value, e.price, e.query,
            e.session_id, e.store_id, e.text, e.request_id, e.position, e.placement)  # fmt: skip


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("shelfwise.storage") / "migrations_pg"
    found = [
        (int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    ]
    return sorted(found)


class PostgresStore(PostgresExtras, PostgresFeedback, ExperimentTables):
    """Implements every protocol of ``shelfwise.storage.base`` on one PostgreSQL database."""

    _mark = "%s"

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn = connect(url)
        self._lock = threading.RLock()
        self._depth = 0
        self._migrate()
        self._conn.execute(STAGING)

    # ----------------------------------------------------------------- plumbing
    def _migrate(self) -> None:
        with self.transaction():  # the write lock also keeps two servers from migrating at once
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION)"
            )
            done = {row[0] for row in self._conn.execute("SELECT version FROM schema_migrations")}
            for version, script in _migrations():
                if version not in done:
                    self._conn.execute(script)  # type: ignore[arg-type]  # trusted, shipped SQL
                    self._conn.execute(
                        "INSERT INTO schema_migrations VALUES (%s, %s)", (version, time.time())
                    )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN")
                self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
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
        return int(row[0] or 0) if row else 0

    def __repr__(self) -> str:
        return f"PostgresStore({redact_url(self.url)!r})"

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self._conn.execute(sql, params).fetchone()  # type: ignore[arg-type]
        return None if row is None else row[0]

    def _copy(self, table: str, columns: str, rows: Iterable[Sequence[Any]]) -> None:
        """Replace the staging ``table``'s rows with ``rows`` through COPY."""
        self._conn.execute(f"TRUNCATE {table}")  # type: ignore[arg-type]
        with self._conn.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[arg-type]
            for row in rows:
                copy.write_row(row)

    def _rowcount(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._conn.cursor() as cursor:
            cursor.execute(sql, params)  # type: ignore[arg-type]
            return max(cursor.rowcount, 0)

    # ----------------------------------------------------------------- catalog
    def upsert_items(self, items: Sequence[Item]) -> int:
        if not items:
            return 0
        rows = [
            (
                it.item_id, it.title, it.description, it.brand, dumps(list(it.category)), it.price, it.currency,
                dumps(it.attributes), it.image_url, None if it.in_stock is None else int(it.in_stock),
                it.created_at,
            )
            for it in items
        ]  # fmt: skip
        with self.transaction():
            now = time.time()  # stamped under the write lock: stamps follow commit order
            if len({row[0] for row in rows}) < len(rows):
                return self._upsert_items_one_by_one(rows, now)
            self._copy("stage_items", f"ord, {ITEM_COLUMNS.removesuffix(', updated_at')}",
                       ((i, *row) for i, row in enumerate(rows)))  # fmt: skip
            return self._rowcount(
                f"INSERT INTO items ({ITEM_COLUMNS}) SELECT {ITEM_COLUMNS.removesuffix(', updated_at')}, %s "
                f"FROM stage_items ORDER BY ord {ITEM_UPSERT_TAIL}",
                (now,),
            )

    def _upsert_items_one_by_one(self, rows: list[tuple[Any, ...]], now: float) -> int:
        """A batch naming one item twice: later rows see earlier ones, as in SQLite."""
        changed = 0
        for row in rows:
            changed += self._rowcount(
                f"INSERT INTO items ({ITEM_COLUMNS}) VALUES ({', '.join(['%s'] * 12)}) {ITEM_UPSERT_TAIL}",
                (*row, now),
            )
        return changed

    def get_item(self, item_id: str) -> Item | None:
        row = self._conn.execute(
            f"SELECT {ITEM_COLUMNS} FROM items WHERE item_id = %s", (item_id,)
        ).fetchone()  # type: ignore[arg-type]
        return None if row is None else item_from_row(row)

    def iter_items(self) -> Iterator[Item]:
        last = 0
        while True:
            rows = self._conn.execute(
                f"SELECT {ITEM_COLUMNS}, pos FROM items WHERE pos > %s ORDER BY pos LIMIT %s",  # type: ignore[arg-type]
                (last, PAGE),
            ).fetchall()
            for row in rows:
                yield item_from_row(row)
            if len(rows) < PAGE:
                return
            last = rows[-1][-1]

    def count_items(self) -> int:
        return int(self._one("SELECT COUNT(*) FROM items"))

    # ----------------------------------------------------------------- accounts
    def _next_account_seq(self) -> int:
        return int(self._one("SELECT COALESCE(MAX(seq), 0) + 1 FROM accounts"))

    def upsert_accounts(self, accounts: Sequence[AccountRecord]) -> int:
        now = time.time()
        changed = 0
        with self.transaction():
            seq = self._next_account_seq()
            # One read for the whole batch; ``known`` then follows the batch's own writes.
            known = self._accounts_by_id(sorted({a.user_id for a in accounts}))
            for acc in accounts:
                old = known.get(acc.user_id)
                new_keys = set(acc.keys)
                if old is None:
                    self._conn.execute(
                        "INSERT INTO accounts (user_id, seq, channel, implicit, attributes, updated_at) "
                        "VALUES (%s, %s, %s, 0, %s, %s)",
                        (acc.user_id, seq, acc.channel, dumps(acc.attributes), now),
                    )
                    known[acc.user_id] = StoredAccount(
                        acc.user_id, seq, acc.channel, False, None, (), acc.attributes
                    )
                    seq += 1
                    changed += 1
                else:
                    channel = acc.channel or old.channel
                    merged = set(old.keys) | new_keys
                    attributes = acc.attributes or old.attributes
                    if old.implicit or channel != old.channel or (acc.attributes and acc.attributes != old.attributes) \
                            or merged != set(old.keys):  # fmt: skip
                        self._conn.execute(
                            "UPDATE accounts SET channel=%s, implicit=0, attributes=%s, updated_at=%s WHERE user_id=%s",
                            (channel, dumps(attributes), now, acc.user_id),
                        )
                        changed += 1
                    known[acc.user_id] = StoredAccount(
                        acc.user_id, old.seq, channel, False, old.customer_id, old.keys, attributes
                    )
                if new_keys:
                    with self._conn.cursor() as cursor:
                        cursor.executemany(
                            "INSERT INTO account_keys VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                            [(acc.user_id, k.kind, k.key_hash, int(k.strong)) for k in new_keys],
                        )
                    current = known[acc.user_id]
                    keys = tuple(sorted(set(current.keys) | new_keys, key=lambda k: (k.kind, k.key_hash)))
                    known[acc.user_id] = StoredAccount(
                        current.user_id, current.seq, current.channel, current.implicit, current.customer_id,
                        keys, current.attributes,
                    )  # fmt: skip
        return changed

    def ensure_accounts(
        self, user_channels: Iterable[tuple[str, str | None]], customer_ids: dict[str, str]
    ) -> int:
        with self.transaction():
            now = time.time()
            pairs = list(user_channels)
            if not pairs:
                return 0
            # seq = next + position in the input, like SQLite (rows already present leave a gap).
            self._copy(
                "stage_accounts", "ord, user_id, channel, customer_id",
                ((offset, user, channel, customer_ids.get(user)) for offset, (user, channel) in enumerate(pairs)),
            )  # fmt: skip
            return self._rowcount(
                "INSERT INTO accounts (user_id, seq, channel, implicit, customer_id, updated_at) "
                "SELECT user_id, %s + ord, channel, 1, customer_id, %s FROM stage_accounts ORDER BY ord "
                "ON CONFLICT (user_id) DO NOTHING",
                (self._next_account_seq(), now),
            )

    def _keys_of(self, user_ids: Sequence[str] | None = None) -> dict[str, list[IdentityKeyRecord]]:
        keys: dict[str, list[IdentityKeyRecord]] = {}
        if user_ids is None:
            cursor = self._conn.execute("SELECT user_id, kind, key_hash, strong FROM account_keys")
        else:
            cursor = self._conn.execute(
                "SELECT user_id, kind, key_hash, strong FROM account_keys WHERE user_id = ANY(%s)",
                (list(user_ids),),
            )
        for user_id, kind, key_hash, strong in cursor:
            keys.setdefault(user_id, []).append(IdentityKeyRecord(kind, key_hash, bool(strong)))
        return keys

    def _accounts_by_id(self, user_ids: Sequence[str]) -> dict[str, StoredAccount]:
        rows = self._conn.execute(f"{ACCOUNT_SELECT} WHERE user_id = ANY(%s)", (list(user_ids),)).fetchall()  # type: ignore[arg-type]
        keys = self._keys_of([r[0] for r in rows]) if rows else {}
        return {r[0]: account_from_row(r, keys.get(r[0], [])) for r in rows}

    def get_account(self, user_id: str) -> StoredAccount | None:
        return self._accounts_by_id([user_id]).get(user_id)

    def iter_accounts(self) -> Iterator[StoredAccount]:
        keys = self._keys_of()
        rows = self._conn.execute(f"{ACCOUNT_SELECT} ORDER BY seq").fetchall()  # type: ignore[arg-type]
        for row in rows:
            yield account_from_row(row, keys.get(row[0], []))

    def account_customers(self) -> list[tuple[str, str | None]]:
        rows = self._conn.execute("SELECT user_id, customer_id FROM accounts ORDER BY seq")
        return [(r[0], r[1]) for r in rows]

    def set_customer_ids(self, customer_of: dict[str, str]) -> int:
        with self.transaction():
            if not customer_of:
                return 0
            self._copy(
                "stage_accounts", "ord, user_id, customer_id",
                ((i, user, customer) for i, (user, customer) in enumerate(customer_of.items())),
            )  # fmt: skip
            return self._rowcount(
                "UPDATE accounts SET customer_id = s.customer_id FROM stage_accounts s "
                "WHERE accounts.user_id = s.user_id AND accounts.customer_id IS DISTINCT FROM s.customer_id"
            )

    def accounts_of_customer(self, customer_id: str) -> list[StoredAccount]:
        rows = self._conn.execute(
            f"{ACCOUNT_SELECT} WHERE customer_id = %s ORDER BY seq",  # type: ignore[arg-type]
            (customer_id,),
        ).fetchall()
        keys = self._keys_of([r[0] for r in rows]) if rows else {}
        return [account_from_row(r, keys.get(r[0], [])) for r in rows]

    def detached_users(self) -> set[str]:
        return {
            r[0] for r in self._conn.execute("SELECT user_id FROM identity_overrides WHERE action = 'detach'")
        }

    def set_detached(self, user_id: str, detached: bool) -> None:
        with self.transaction():
            if detached:
                self._conn.execute(
                    "INSERT INTO identity_overrides VALUES (%s, 'detach', %s) ON CONFLICT (user_id) "
                    "DO UPDATE SET action = EXCLUDED.action, created_at = EXCLUDED.created_at",
                    (user_id, time.time()),
                )
            else:
                self._conn.execute("DELETE FROM identity_overrides WHERE user_id = %s", (user_id,))

    def delete_accounts(self, user_ids: Sequence[str]) -> int:
        users = list(user_ids)
        with self.transaction():
            for table in ("account_keys", "identity_overrides"):
                self._conn.execute(f"DELETE FROM {table} WHERE user_id = ANY(%s)", (users,))  # type: ignore[arg-type]
            self._forget_audit(users)
            return self._rowcount("DELETE FROM accounts WHERE user_id = ANY(%s)", (users,))

    # ----------------------------------------------------------------- events
    def append_events(self, keyed_events: Sequence[tuple[str, Event]]) -> int:
        if not keyed_events:
            return 0
        with self.transaction():
            rows = ((i, *_event_row(key, e)) for i, (key, e) in enumerate(keyed_events))
            self._copy("stage_events", f"ord, {EVENT_COLUMNS}", rows)
            # seq follows the input order; keys already stored (or repeated in the batch) are skipped.
            return self._rowcount(
                f"INSERT INTO events ({EVENT_COLUMNS}) SELECT {EVENT_COLUMNS} FROM stage_events "
                "ORDER BY ord ON CONFLICT (event_key) DO NOTHING"
            )

    def iter_events(
        self,
        types: Iterable[str] | None = None,
        user_ids: Iterable[str] | None = None,
        with_query: bool = False,
    ) -> Iterator[StoredEvent]:
        clauses: list[str] = []
        params: list[Any] = []
        if with_query:
            clauses.append("query IS NOT NULL AND query <> ''")
        if types is not None:
            clauses.append("type = ANY(%s)")
            params.append(list(types))
        if user_ids is not None:
            clauses.append("user_id = ANY(%s)")
            params.append(list(user_ids))
        after: tuple[float, int] | None = None
        while True:
            where = list(clauses)
            page_params: list[Any] = list(params)
            if after is not None:
                where.append("(ts, seq) > (%s, %s)")
                page_params.extend(after)
            sql = (
                f"{EVENT_SELECT} {'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY ts, seq LIMIT %s"
            )
            rows = self._conn.execute(sql, [*page_params, PAGE]).fetchall()  # type: ignore[arg-type]
            for row in rows:
                yield event_from_row(row)
            if len(rows) < PAGE:
                return
            after = (rows[-1][5], rows[-1][0])

    def event_columns(self) -> EventColumns:
        # Pages by (ts, seq) as iter_events does (the events_ts_seq index), in larger pages: no
        # server-side cursor (the connection autocommits) and no whole result held by libpq.
        builder = ColumnsBuilder()
        after: tuple[float, int] | None = None
        while True:
            where, params = ("", []) if after is None else ("WHERE (ts, seq) > (%s, %s)", list(after))
            sql = f"{EVENT_SELECT} {where} ORDER BY ts, seq LIMIT %s"
            rows = self._conn.execute(sql, [*params, COLUMN_CHUNK]).fetchall()  # type: ignore[arg-type]
            builder.add(rows)
            if len(rows) < COLUMN_CHUNK:
                return builder.build()
            after = (rows[-1][5], rows[-1][0])

    def event_counts_by_item(self, types: Iterable[str]) -> dict[str, int]:
        rows = self._conn.execute(
            "SELECT item_id, COUNT(*) FROM events WHERE type = ANY(%s) AND item_id IS NOT NULL "
            "AND NOT (type = ANY(%s) AND value IS NOT NULL AND value <= %s) GROUP BY item_id",
            [list(types), sorted(RATING_TYPES), NEGATIVE_RATING_MAX],
        )
        return {item_id: int(n) for item_id, n in rows}

    def channel_counts_by_user(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for user_id, channel, n in self._conn.execute(
            "SELECT user_id, COALESCE(channel, 'unknown'), COUNT(*) FROM events GROUP BY 1, 2 "
            'ORDER BY user_id COLLATE "C", COALESCE(channel, \'unknown\') COLLATE "C"'  # as SQLite: bytewise
        ):
            counts.setdefault(user_id, {})[channel] = n
        return counts

    def count_events(self) -> int:
        return int(self._one("SELECT COUNT(*) FROM events"))

    def delete_events_of(self, user_ids: Sequence[str]) -> int:
        with self.transaction():
            return self._rowcount("DELETE FROM events WHERE user_id = ANY(%s)", (list(user_ids),))

    # ----------------------------------------------------------------- change feed
    def events_after(self, seq: int, limit: int = 10_000) -> list[StoredEvent]:
        rows = self._conn.execute(
            f"{EVENT_SELECT} WHERE seq > %s ORDER BY seq LIMIT %s",  # type: ignore[arg-type]
            (seq, limit),
        ).fetchall()
        return [event_from_row(r) for r in rows]

    def items_updated_since(self, updated_at: float) -> list[tuple[float, Item]]:
        rows = self._conn.execute(
            f"SELECT {ITEM_COLUMNS} FROM items WHERE updated_at >= %s ORDER BY updated_at, pos",  # type: ignore[arg-type]
            (updated_at,),
        ).fetchall()
        return [(row[11], item_from_row(row)) for row in rows]

    def record_change(self, kind: str, subject: str | None = None) -> None:
        with self.transaction():
            self._conn.execute(
                "INSERT INTO change_log (kind, subject, at) VALUES (%s, %s, %s)", (kind, subject, time.time())
            )

    def changes_after(self, seq: int) -> list[Change]:
        rows = self._conn.execute(
            "SELECT seq, kind, subject FROM change_log WHERE seq > %s ORDER BY seq", (seq,)
        )
        return [Change(*row) for row in rows.fetchall()]

    # ----------------------------------------------------------------- summary
    def stats(self) -> dict[str, Any]:
        def by(column: str) -> dict[str, int]:
            rows = self._conn.execute(
                f'SELECT {column}, COUNT(*) FROM events GROUP BY {column} ORDER BY 2 DESC, {column} COLLATE "C" NULLS FIRST'  # type: ignore[arg-type]
            )
            return {(k if k is not None else "unknown"): n for k, n in rows}

        return {
            "items": self.count_items(),
            "accounts": int(self._one("SELECT COUNT(*) FROM accounts")),
            "customers": int(
                self._one("SELECT COUNT(DISTINCT COALESCE(customer_id, user_id)) FROM accounts")
            ),
            "events": self.count_events(),
            "events_by_channel": by("channel"),
            "events_by_type": by("type"),
            "rejected": self.count_rejections(),
        }
