"""A search index saved into a model version, so serving starts without indexing the catalog.

``shelfwise train`` builds the index once and writes (folder ``search_index/`` of the version):

* ``lexical/``: the tantivy index (words, meta and character n-grams), as tantivy keeps it on disk;
* ``vectors.npy``: the item vectors of dense retrieval, one row per index row (memory-mapped);
* ``ann.faiss``: the approximate index over them, when the catalog is large enough (its lists
  memory-mapped until serving changes one: ``shelfwise.search.dense``);
* ``rows.bin`` + ``row_offsets.npy``: the per-row facts ranking reads (item, brand, categories,
  terms, units), one small pickle per row, decoded when a search first reads the row
  (``shelfwise.search.rows``): they cost most of a rebuild (tokenising every title), and decoding
  all 55k Home Depot rows at start-up cost more than the search;
* ``facts.pickle``: the rest (item ids, fingerprints, prices, term categories, the spelling
  lexicon) and the rows' checksum. Format 1 kept every row in ``rows.pickle``: still loaded;
* ``snapshot.json``: what the guard checks (format, encoder, item count, when it was taken);
* ``behaviour.pickle``: the search log's behaviour statistics and the event-log mark they cover
  (``LogMark``): reused while no search event, return, forget or identity change came after it.

Loading opens a private copy of the lexical folder (hard links: tantivy never rewrites a file, it
adds segments and replaces its meta file), so serving can index new items on top without touching
the version. The caller (``shelfwise.search.factory``) decides whether a snapshot still matches the
store and indexes what changed since. The pickle is read only from the model store, which is as
trusted as the LightGBM and torch files beside it.
"""

from __future__ import annotations

import gc
import json
import os
import pickle
import shutil
import tempfile
import weakref
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from shelfwise.encoders import EmbeddingCache, TextEncoder
from shelfwise.search.behaviour import BehaviourStats
from shelfwise.search.index import SearchIndex
from shelfwise.search.lexical import LexicalIndex
from shelfwise.search.rows import Row, RowTable, checksum, encode_rows

SNAPSHOT_DIR = "search_index"  # inside a model version
FORMAT = 2  # written; format 1 (all rows in one pickle) still loads
READABLE_FORMATS = (1, 2)
META_FILE = "snapshot.json"
ROWS_FILE = "rows.pickle"  # format 1
ROWS_BLOB = "rows.bin"
ROW_OFFSETS = "row_offsets.npy"
FACTS_FILE = "facts.pickle"
VECTORS_FILE = "vectors.npy"
LEXICAL_DIR = "lexical"
BEHAVIOUR_FILE = "behaviour.pickle"
BEHAVIOUR_FORMAT = 1


@dataclass(frozen=True)
class LogMark:
    """Where the store's event log stood when statistics were read from it."""

    event_seq: int  # every event up to this seq was stored
    change_seq: int  # the change log's last entry
    stored_events: int  # events with seq <= event_seq (later deletions show as fewer)


@dataclass(frozen=True)
class SnapshotMeta:
    format: int
    encoder_choice: str  # search.encoder when it was taken: another choice means another index
    encoder: str | None  # the item encoder's name (None: lexical only)
    dim: int
    items: int
    taken_at: float  # epoch seconds, read before the catalog: later item stamps are re-indexed


def read_meta(directory: Path) -> SnapshotMeta | None:
    """The snapshot's description, or None when there is none (or of another format)."""
    try:
        meta = SnapshotMeta(**json.loads((directory / META_FILE).read_text()))
    except (OSError, ValueError, TypeError):
        return None
    return meta if meta.format in READABLE_FORMATS else None


def lexical_dir(directory: Path) -> Path:
    """Where a snapshot being written keeps its lexical index (build the index with it)."""
    return directory / LEXICAL_DIR


def save_index(index: SearchIndex, directory: Path, encoder_choice: str, taken_at: float) -> SnapshotMeta:
    """Write ``index`` (built with ``lexical_dir=lexical_dir(directory)``) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    facts = {
        "row_of": index.row_of,
        "fingerprints": index.fingerprints,
        "prices": index.prices,
        "term_categories": index.term_categories,
        "lexicon": replace(index.lexicon, spelling=index.lexicon.spelling.without_index()),
    }
    _write_rows(directory, index.rows, facts)
    if index.dense is not None:
        np.save(directory / VECTORS_FILE, index.dense.matrix())
        index.dense.save_ann(directory)
    meta = SnapshotMeta(
        format=FORMAT,
        encoder_choice=encoder_choice,
        encoder=None if index.encoder is None else index.encoder.name,
        dim=0 if index.encoder is None else index.encoder.dim,
        items=len(index),
        taken_at=taken_at,
    )
    (directory / META_FILE).write_text(json.dumps(asdict(meta), indent=2))
    return meta


def _write_rows(directory: Path, rows: Iterable[Row], facts: dict[str, Any]) -> None:
    blob, offsets = encode_rows(rows)
    (directory / ROWS_BLOB).write_bytes(blob)
    np.save(directory / ROW_OFFSETS, offsets)
    with open(directory / FACTS_FILE, "wb") as handle:
        pickle.dump({**facts, "rows_crc32": checksum(blob)}, handle, protocol=pickle.HIGHEST_PROTOCOL)


def upgrade(directory: Path) -> bool:
    """Rewrite a format-1 snapshot in the current format (True: it was rewritten). For homes
    trained before format 2 (benchmarks/startup.py --upgrade-snapshot); they load as they are."""
    meta = read_meta(directory)
    if meta is None or meta.format == FORMAT:
        return False
    facts = _read_facts(directory / ROWS_FILE)
    _write_rows(directory, facts.pop("rows"), facts)
    (directory / META_FILE).write_text(json.dumps(asdict(replace(meta, format=FORMAT)), indent=2))
    (directory / ROWS_FILE).unlink()
    return True


def _private_copy(source: Path) -> Path:
    """A copy of the lexical folder this process may write to, removed with the index."""
    target = Path(tempfile.mkdtemp(prefix="shelfwise-lexical-"))
    for entry in source.iterdir():
        if entry.name.startswith(".tantivy-"):
            continue  # lock files of the writer that built it
        try:
            os.link(entry, target / entry.name)
        except OSError:  # another file system: copy
            shutil.copy2(entry, target / entry.name)
    return target


def load_index(
    directory: Path,
    meta: SnapshotMeta,
    encoder: TextEncoder | None,
    cache: EmbeddingCache | None,
    threads: int = 1,
    query_encoder: TextEncoder | None = None,
    ann_min_items: int = 0,
) -> SearchIndex:
    """The index saved in ``directory``, ready to search and to take new items."""
    index = SearchIndex(encoder, cache, threads, query_encoder, ann_min_items)
    workdir = _private_copy(directory / LEXICAL_DIR)
    index.lexical = LexicalIndex(threads, workdir)
    weakref.finalize(index, shutil.rmtree, workdir, True)
    facts = _read_facts(directory / (ROWS_FILE if meta.format == 1 else FACTS_FILE))
    if meta.format == 1:
        index.rows.extend(facts["rows"])
    else:
        blob = (directory / ROWS_BLOB).read_bytes()
        if checksum(blob) != facts["rows_crc32"]:
            raise ValueError(f"{directory / ROWS_BLOB}: damaged (checksum)")
        index.rows = RowTable(blob, np.load(directory / ROW_OFFSETS))
    index.row_of = facts["row_of"]
    index.fingerprints = facts["fingerprints"]
    index.prices = facts["prices"]
    index.term_categories = facts["term_categories"]
    index.lexicon = facts["lexicon"]
    if index.dense is not None:
        # Mapped copy-on-write: a one-off search reads the rows it touches, not Home Depot's 84 MB;
        # rows indexed on top are written to private pages, never to the file.
        index.dense.load(np.load(directory / VECTORS_FILE, mmap_mode="c"), directory)
    return index


def _read_facts(path: Path) -> dict[str, Any]:
    # Unpickling creates many small objects: with the collector on it runs dozens of full passes
    # over them (format 1's rows: 1.4 s instead of 0.4 s on Beauty's 12k rows). Nothing here forms
    # a cycle.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with open(path, "rb") as handle:
            facts: dict[str, Any] = pickle.load(handle)  # our own model store: see the module docstring
    finally:
        if collecting:
            gc.enable()
    return facts


def save_behaviour(
    directory: Path, stats: BehaviourStats, mark: LogMark, popularity: np.ndarray | None = None
) -> None:
    """``popularity``: engagement counts per row read after ``mark`` was taken (see
    ``shelfwise.search.factory.saved_statistics`` for when they are reused)."""
    with open(directory / BEHAVIOUR_FILE, "wb") as handle:
        pickle.dump(
            {"format": BEHAVIOUR_FORMAT, "mark": mark, "stats": stats, "popularity": popularity},
            handle,
            protocol=pickle.HIGHEST_PROTOCOL,
        )


def load_behaviour(directory: Path) -> tuple[LogMark, BehaviourStats, np.ndarray | None] | None:
    """The saved statistics, their mark and the saved popularity (None: saved without one); None
    when missing, unreadable or of another format."""
    try:
        saved = _read_facts(directory / BEHAVIOUR_FILE)  # thousands of small counters: collector off
        if saved["format"] == BEHAVIOUR_FORMAT and isinstance(saved["stats"], BehaviourStats):
            return saved["mark"], saved["stats"], saved.get("popularity")
    except Exception:  # missing or damaged: the caller reads the search log instead
        return None
    return None
