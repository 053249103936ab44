"""Use case: one batch of items, accounts or events from the HTTP API, all or nothing.

The rows go through the very functions file ingest uses (``shelfwise.ingest.records`` to parse and
validate, ``Ingestor`` to write), so the two doors accept exactly the same records. The whole batch
is validated first; a batch with any bad row is rejected whole (nothing written) with every bad
row named. A valid batch is written in one transaction, row by row so each row's outcome is known:
``stored`` (new or changed), ``unchanged`` (same content already there) or ``duplicate`` (an event
whose idempotency key — its ``event_id``, else its content — is already stored).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from shelfwise.domain import Account, Event, Item
from shelfwise.errors import ValidationError
from shelfwise.ingest.pipeline import EventKeyer, Ingestor
from shelfwise.ingest.records import parse_account, parse_event, parse_item

BatchKind = Literal["items", "accounts", "events"]


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # 0-based position in the batch
    field: str | None
    message: str


class BatchRejected(ValidationError):
    """Some rows of a batch are invalid; nothing of the batch was written."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(f"row {first.row}: {first.message}", first.field)


@dataclass(frozen=True, slots=True)
class RowResult:
    row: int
    id: str  # item_id, user_id or event key
    status: Literal["stored", "unchanged", "duplicate"]


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    results: list[RowResult]
    stored_items: list[Item]
    stored_accounts: list[Account]
    stored_events: list[Event]

    @property
    def stored(self) -> int:
        return sum(r.status == "stored" for r in self.results)


Record = Item | Account | Event


def parse_batch(kind: BatchKind, rows: Sequence[Any]) -> list[Record]:
    """Every row parsed, or ``BatchRejected`` naming each bad row and field."""
    records: list[Record] = []
    errors: list[RowError] = []
    for position, raw in enumerate(rows):
        if not isinstance(raw, dict):
            errors.append(RowError(position, None, "expected a JSON object"))
            continue
        try:
            if kind == "items":
                records.append(parse_item(raw))
            elif kind == "accounts":
                records.append(parse_account(raw))
            else:
                records.append(parse_event(raw))
        except ValidationError as exc:
            errors.append(RowError(position, exc.field, str(exc)))
    if errors:
        raise BatchRejected(errors)
    return records


def write_batch(ingestor: Ingestor, kind: BatchKind, records: Sequence[Record]) -> BatchOutcome:
    """Write a parsed batch in one transaction; returns each row's outcome."""
    results: list[RowResult] = []
    items: list[Item] = []
    accounts: list[Account] = []
    events: list[Event] = []
    keyer = EventKeyer()  # identical rows without event_id in one batch stay distinct, repeatably
    with ingestor.store.transaction():
        for position, record in enumerate(records):
            if isinstance(record, Item):
                changed = ingestor.write_items([record])
                ident = record.item_id
                if changed:
                    items.append(record)
            elif isinstance(record, Account):
                changed = ingestor.write_accounts([record])
                ident = record.user_id
                if changed:
                    accounts.append(record)
            else:
                ident = keyer.key(record)
                changed = ingestor.write_events([record], [ident])
                if changed:
                    events.append(record)
            status = "stored" if changed else ("duplicate" if kind == "events" else "unchanged")
            results.append(RowResult(position, ident, status))
    return BatchOutcome(results, items, accounts, events)
