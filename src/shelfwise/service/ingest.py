"""Use case: load a file of items, accounts or events into the store."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from shelfwise.feedback import Attributor
from shelfwise.ingest import Ingestor, IngestReport, parse_column_map
from shelfwise.ingest.pipeline import RecordKind
from shelfwise.service.context import ServiceContext
from shelfwise.service.customers import CustomerService


class IngestService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx
        self._customers = CustomerService(ctx)

    def ingestor(self) -> Ingestor:
        return Ingestor(
            store=self._ctx.store,
            hash_account=self._customers.pseudonymize,
            customer_id_for=self._customers.customer_id_for,
            batch_size=self._ctx.settings.ingest.batch_size,
            on_events=Attributor(self._ctx.store, self._ctx.settings.feedback.attribution_window_hours),
        )

    def ingest_file(
        self,
        kind: RecordKind,
        path: Path,
        map_specs: Sequence[str] = (),
        channel: str | None = None,
        strict: bool = False,
        progress: bool | None = None,
    ) -> IngestReport:
        column_map = parse_column_map(map_specs) if map_specs else None
        report = self.ingestor().ingest(
            kind, path, column_map, channel=channel, strict=strict, progress=progress
        )
        if kind == "users" and report.stored:
            # New keys may link or split customers: re-resolve the identity graph.
            self._customers.refresh()
        return report
