"""Read rows from ``.jsonl``/``.ndjson``, ``.csv``/``.tsv`` and ``.parquet`` files (optionally
``.gz``), each with the line (or row) number that error reports point to.

Rows stream: memory stays flat on files larger than RAM. Progress is measured in bytes of the
(compressed) file, so the bar is right for gzip too.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from tqdm import tqdm

from shelfwise.errors import IngestError

FORMATS = ("jsonl", "csv", "tsv", "parquet")


@dataclass(frozen=True, slots=True)
class RawRow:
    line: int
    data: dict[str, Any] | None
    error: str | None = None


def detect_format(path: Path) -> tuple[str, bool]:
    """(format, gzipped) from the file name."""
    suffixes = [s.lower() for s in path.suffixes]
    gz = bool(suffixes) and suffixes[-1] == ".gz"
    if gz:
        suffixes = suffixes[:-1]
    ext = suffixes[-1].lstrip(".") if suffixes else ""
    ext = {"ndjson": "jsonl", "json": "jsonl"}.get(ext, ext)
    if ext not in FORMATS:
        raise IngestError(f"{path}: unknown format {ext or '(none)'!r}; expected .jsonl, .csv, .tsv or .parquet (optionally .gz)")
    return ext, gz


class _Progress:
    def __init__(self, raw: BinaryIO, total: int, label: str, enabled: bool | None) -> None:
        self._raw = raw
        self._bar = tqdm(total=total, unit="B", unit_scale=True, desc=label,
                         disable=None if enabled is None else not enabled, file=sys.stderr, leave=False)
        self._seen = 0

    def tick(self) -> None:
        position = self._raw.tell()
        self._bar.update(position - self._seen)
        self._seen = position

    def close(self) -> None:
        self.tick()
        self._bar.close()


def read_rows(path: Path, progress: bool | None = None) -> Iterator[RawRow]:
    """Yield every row of ``path``. Malformed rows come back with ``error`` set, not raised."""
    if not path.exists():
        raise IngestError(f"{path}: no such file")
    fmt, gz = detect_format(path)
    if fmt == "parquet":
        yield from _read_parquet(path, gz)
        return
    with open(path, "rb") as raw:
        bar = _Progress(raw, path.stat().st_size, path.name, progress)
        stream: BinaryIO = gzip.GzipFile(fileobj=raw) if gz else raw  # type: ignore[assignment]
        try:
            rows = _read_jsonl(stream) if fmt == "jsonl" else _read_csv(stream, "\t" if fmt == "tsv" else ",")
            for n, row in enumerate(rows):
                if n % 4096 == 0:
                    bar.tick()
                yield row
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise IngestError(f"{path}: cannot read ({exc})") from exc
        finally:
            bar.close()


def _read_jsonl(stream: BinaryIO) -> Iterator[RawRow]:
    for line_no, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield RawRow(line_no, None, f"bad JSON: {exc}")
            continue
        if not isinstance(data, dict):
            yield RawRow(line_no, None, "bad JSON: expected an object per line")
            continue
        yield RawRow(line_no, data)


def _read_csv(stream: BinaryIO, delimiter: str) -> Iterator[RawRow]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        yield from _csv_rows(text, delimiter)
    finally:
        # Collecting the wrapper would close the file under the caller, whose progress bar still
        # asks it for its position (an uncompressed .csv failed with "I/O operation on closed file").
        text.detach()


def _csv_rows(text: io.TextIOWrapper, delimiter: str) -> Iterator[RawRow]:
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    header = [h.strip() for h in header]
    width = len(header)
    try:
        for cells in reader:
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if len(cells) != width:
                yield RawRow(reader.line_num, None, f"bad CSV row: {len(cells)} fields, header has {width}")
                continue
            yield RawRow(reader.line_num, dict(zip(header, cells, strict=True)))
    except (csv.Error, UnicodeDecodeError) as exc:
        yield RawRow(reader.line_num + 1, None, f"bad CSV: {exc}")


def _read_parquet(path: Path, gz: bool) -> Iterator[RawRow]:
    import pyarrow.parquet as pq  # heavy: imported only for parquet input

    with contextlib.ExitStack() as stack:
        source: Any = stack.enter_context(gzip.open(path, "rb")) if gz else str(path)
        try:
            parquet = pq.ParquetFile(source)
            row_no = 0
            for batch in parquet.iter_batches(batch_size=8192):
                for record in batch.to_pylist():
                    row_no += 1
                    yield RawRow(row_no, record)
        except Exception as exc:  # pyarrow raises many types for a corrupt file
            raise IngestError(f"{path}: cannot read parquet ({exc})") from exc
