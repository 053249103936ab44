"""File → validated records → store, in batches, idempotently.

- Items upsert by ``item_id``; accounts by ``user_id``; events insert once per idempotency key:
  the ``event_id`` when given, else a hash of the event's content plus how many identical rows
  came before it in the same file (so two identical purchase rows — two units bought the same
  day — stay two events, and re-ingesting the file adds nothing).
- Each batch is one transaction: a crash or kill loses at most the open batch and a re-run
  completes the file without duplicates. ``strict`` makes the whole file one transaction that
  is rolled back when any row is rejected.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import orjson

from shelfwise.domain import Account, Event, Item
from shelfwise.errors import ValidationError
from shelfwise.ingest.mapping import ColumnMap
from shelfwise.ingest.readers import RawRow, read_rows
from shelfwise.ingest.records import parse_account, parse_event, parse_item
from shelfwise.storage.base import AccountRecord, Rejection, Store

RecordKind = Literal["items", "users", "events"]


class _StrictAbort(Exception):
    """Raised inside the file transaction to roll it back."""


@dataclass
class IngestReport:
    source: str
    kind: str
    rows: int = 0
    stored: int = 0  # new or changed records
    rejected: list[Rejection] = field(default_factory=list)
    aborted: bool = False  # strict mode rolled the whole file back

    @property
    def unchanged(self) -> int:
        return self.rows - self.stored - len(self.rejected) if not self.aborted else 0

    @property
    def ok(self) -> bool:
        return not self.rejected


def _fingerprint(event: Event) -> bytes:
    fields = [event.user_id, event.item_id, event.type, event.timestamp, event.channel, event.value, event.price,
              event.query, event.session_id, event.store_id, event.text]  # fmt: skip
    # Attribution fields join the content only when present, so events stored before they existed
    # keep their keys (re-ingesting an old file still adds nothing).
    if event.request_id is not None or event.position is not None or event.placement is not None:
        fields += [event.request_id, event.position, event.placement]
    return hashlib.blake2b(orjson.dumps(fields), digest_size=16).digest()


def event_key(event: Event, occurrence: int = 0) -> str:
    """Idempotency key: the caller's ``event_id``, else content + occurrence within the source."""
    if event.event_id:
        return f"id:{event.event_id}"
    fingerprint = _fingerprint(event)
    if occurrence:
        fingerprint = hashlib.blake2b(fingerprint + b"#%d" % occurrence, digest_size=16).digest()
    return "h:" + fingerprint.hex()


class EventKeyer:
    """Counts identical events within one source so duplicates get distinct, repeatable keys."""

    def __init__(self) -> None:
        self._seen: dict[bytes, int] = {}

    def key(self, event: Event) -> str:
        if event.event_id:
            return f"id:{event.event_id}"
        fingerprint = _fingerprint(event)
        occurrence = self._seen.get(fingerprint, 0)
        self._seen[fingerprint] = occurrence + 1
        if occurrence:
            fingerprint = hashlib.blake2b(fingerprint + b"#%d" % occurrence, digest_size=16).digest()
        return "h:" + fingerprint.hex()


AccountHasher = Callable[[Account], AccountRecord]
CustomerIdFor = Callable[[str], str]
# Called with every batch of events inside the transaction that stores it (re-sent events too, so
# the hook must be idempotent): the feedback loop's attribution plugs in here.
EventsHook = Callable[[Sequence[tuple[str, Event]]], object]


@dataclass
class Ingestor:
    """Writes validated batches of one kind of record into a store."""

    store: Store
    hash_account: AccountHasher
    customer_id_for: CustomerIdFor
    batch_size: int = 5000
    on_events: EventsHook | None = None

    def write_items(self, items: Sequence[Item]) -> int:
        return self.store.upsert_items(items)

    def write_accounts(self, accounts: Sequence[Account]) -> int:
        return self.store.upsert_accounts([self.hash_account(a) for a in accounts])

    def write_events(self, events: Sequence[Event], keys: Sequence[str]) -> int:
        with self.store.transaction():
            users: dict[str, str | None] = {}
            for e in events:
                users.setdefault(e.user_id, e.channel)
            # Events may name accounts not seen yet: keep them as implicit accounts, completed
            # when the account record arrives.
            self.store.ensure_accounts(users.items(), {u: self.customer_id_for(u) for u in users})
            keyed = list(zip(keys, events, strict=True))
            stored = self.store.append_events(keyed)
            if self.on_events is not None:
                self.on_events(keyed)
            return stored

    def ingest(
        self,
        kind: RecordKind,
        path: Path,
        column_map: ColumnMap | None = None,
        channel: str | None = None,
        strict: bool = False,
        progress: bool | None = None,
    ) -> IngestReport:
        source = str(path.resolve())
        report = IngestReport(source=source, kind=kind)
        try:
            if strict:
                with self.store.transaction():
                    self._run(kind, read_rows(path, progress), column_map, channel, report)
                    if report.rejected:
                        raise _StrictAbort
            else:
                self._run(kind, read_rows(path, progress), column_map, channel, report)
        except _StrictAbort:
            report.aborted = True
            report.stored = 0
        if report.rejected:
            self.store.record_rejections(report.rejected)
        return report

    def _run(
        self, kind: RecordKind, rows: Iterator[RawRow], column_map: ColumnMap | None, channel: str | None,
        report: IngestReport,
    ) -> None:
        keyer = EventKeyer()
        batch: list[Item | Account | Event] = []
        keys: list[str] = []
        for row in rows:
            report.rows += 1
            if row.data is None:
                report.rejected.append(Rejection(report.source, row.line, row.error or "unreadable row"))
                continue
            data = column_map.apply(row.data) if column_map is not None else row.data
            try:
                if kind == "items":
                    batch.append(parse_item(data))
                elif kind == "users":
                    if channel and not data.get("channel"):
                        data = {**data, "channel": channel}
                    batch.append(parse_account(data))
                else:
                    event = parse_event(data, default_channel=channel)
                    batch.append(event)
                    keys.append(keyer.key(event))
            except ValidationError as exc:
                report.rejected.append(Rejection(report.source, row.line, str(exc)))
                continue
            if len(batch) >= self.batch_size:
                report.stored += self._flush(kind, batch, keys)
                batch, keys = [], []
        if batch:
            report.stored += self._flush(kind, batch, keys)

    def _flush(self, kind: RecordKind, batch: list, keys: list[str]) -> int:
        if kind == "items":
            return self.write_items(batch)
        if kind == "users":
            return self.write_accounts(batch)
        return self.write_events(batch, keys)
