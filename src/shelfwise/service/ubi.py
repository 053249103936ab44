"""Use cases: ``shelfwise ingest ubi PATH`` and ``shelfwise export ubi DIR`` (the format and its
mapping: ``shelfwise.feedback.ubi``).

Ingest reads the file(s) twice, streaming: first the queries (their hit ids become the server's
impressions of each list), then the events, which go through the ordinary event ingest — stored
idempotently, attributed in the same transaction — so a UBI log and Shelfwise's own log are credited
by one rule. Rejected documents are reported with their line, as for any ingest.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from shelfwise.domain import Event, Impression
from shelfwise.errors import ValidationError
from shelfwise.feedback.attribution import Attributor
from shelfwise.feedback.ubi import (
    EVENTS_FILE,
    QUERIES_FILE,
    event_documents,
    parse_event,
    parse_query,
    query_documents,
    read_ubi,
    stored_key,
    ubi_files,
    write_jsonl,
)
from shelfwise.ingest.pipeline import EventKeyer
from shelfwise.service.context import ServiceContext
from shelfwise.service.ingest import IngestService
from shelfwise.storage.base import Rejection


@dataclass
class UbiReport:
    source: str
    documents: int = 0
    lists: int = 0  # ubi_queries documents read
    impressions: int = 0  # server impressions newly stored (from hit ids)
    events: int = 0  # events newly stored (impressions, clicks, carts, purchases, searches)
    skipped: int = 0  # actions Shelfwise has no use for (hovers, filters, sorts...)
    rejected: list[Rejection] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class UbiExport:
    queries: Path
    events: Path
    lists: int
    event_count: int


class UbiService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def ingest(self, path: Path) -> UbiReport:
        files = ubi_files(path)
        report = UbiReport(source=str(path.resolve()))
        placements = self._ingest_queries(files, report)
        self._ingest_events(files, placements, report)
        if report.rejected:
            self._ctx.store.record_rejections(report.rejected)
        return report

    def _ingest_queries(self, files: list[Path], report: UbiReport) -> dict[str, str]:
        store = self._ctx.store
        resolve = Attributor(store).customer_of
        placements: dict[str, str] = {}
        customers: dict[str, str] = {}
        batch: list[Impression] = []
        for file in files:
            unreadable: list[tuple[int, str]] = []
            for doc in read_ubi(file, unreadable):
                report.documents += 1
                if doc.index != "ubi_queries":
                    continue
                try:
                    query = parse_query(doc.doc)
                except ValidationError as exc:
                    report.rejected.append(Rejection(str(file.resolve()), doc.line, str(exc)))
                    continue
                report.lists += 1
                placements[query.request_id] = query.placement
                customer = customers.setdefault(query.user_id, query.customer_id or resolve(query.user_id))
                batch += [_with_customer(i, customer) for i in query.impressions]
                if len(batch) >= self._ctx.settings.ingest.batch_size:
                    report.impressions += store.append_impressions(batch)
                    batch = []
            report.rejected += [Rejection(str(file.resolve()), line, reason) for line, reason in unreadable]
        report.impressions += store.append_impressions(batch) if batch else 0
        # Accounts first seen here belong to the customer the log names (an export's own customers).
        store.ensure_accounts([(user, None) for user in customers], customers)
        return placements

    def _ingest_events(self, files: list[Path], placements: dict[str, str], report: UbiReport) -> None:
        ingestor = IngestService(self._ctx).ingestor()
        keyer = EventKeyer()
        events: list[Event] = []
        keys: list[str] = []
        for file in files:
            for doc in read_ubi(file):
                if doc.index != "ubi_events":
                    report.skipped += doc.index != "ubi_queries"  # an index UBI does not define
                    continue
                try:
                    event = parse_event(doc.doc, doc.bulk_id, placements)
                except ValidationError as exc:
                    report.rejected.append(Rejection(str(file.resolve()), doc.line, str(exc)))
                    continue
                if event is None:
                    report.skipped += 1
                    continue
                events.append(event)
                keys.append(stored_key(doc.doc) or keyer.key(event))
                if len(events) >= ingestor.batch_size:
                    report.events += ingestor.write_events(events, keys)
                    events, keys = [], []
        if events:
            report.events += ingestor.write_events(events, keys)

    def export(self, directory: Path, since: float | None = None) -> UbiExport:
        """Write the feedback log (impressions from ``since``, their outcomes) as UBI JSON lines."""
        store = self._ctx.store
        directory.mkdir(parents=True, exist_ok=True)
        queries = directory / QUERIES_FILE
        lists = write_jsonl(queries, query_documents(store.iter_impressions(since=since)))
        user_of = {i.request_id: i.user_id for i in store.iter_impressions(since=since) if i.user_id}
        events = directory / EVENTS_FILE
        count = write_jsonl(
            events,
            event_documents(store.iter_impressions(since=since), store.iter_outcomes(since=since), user_of),
        )
        return UbiExport(queries, events, lists, count)


def _with_customer(impression: Impression, customer: str) -> Impression:
    return impression if impression.customer_id == customer else replace(impression, customer_id=customer)
