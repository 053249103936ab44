"""Ingestion: readers for files, column mapping, record validation, idempotent batched writes."""

from shelfwise.ingest.mapping import ColumnMap, parse_column_map
from shelfwise.ingest.pipeline import Ingestor, IngestReport, event_key
from shelfwise.ingest.records import parse_account, parse_event, parse_item, parse_timestamp

__all__ = [
    "ColumnMap",
    "IngestReport",
    "Ingestor",
    "event_key",
    "parse_account",
    "parse_column_map",
    "parse_event",
    "parse_item",
    "parse_timestamp",
]
