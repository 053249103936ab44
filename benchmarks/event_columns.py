"""The event reads of ``train`` on a store, both ways: each consumer reading ``iter_events`` (one
``Event`` per row, as before) against one ``event_columns()`` read shared by all of them. Prints
the seconds and peak-RSS growth of each part with the 1-minute load average, and with ``--dump``
writes what each way built (audit flags, item index, sequences, trending, recency, every live
profile) so the two can be compared with ``cmp`` (``repr`` of plain values: exact floats, dicts in order).

Run one way per process (a clean peak RSS), alternately, on copies of the same store:

    PYTHONPATH=src .venv/bin/python benchmarks/event_columns.py sqlite:///copy.db --way rows --dump a.pkl
    PYTHONPATH=src .venv/bin/python benchmarks/event_columns.py sqlite:///copy.db --way columns --dump b.pkl
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from shelfwise.audit import training_view
from shelfwise.history import customer_of_users, load_training_view, sequences_of, trending_scores
from shelfwise.history.columns import histories_of, item_index_of
from shelfwise.profiles.snapshot import change_mark, profile_fields, read_snapshot, write_snapshot
from shelfwise.settings.audit import AuditSettings
from shelfwise.storage import open_store
from shelfwise.training.job import last_event_times


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--way", choices=("rows", "columns"), required=True)
    parser.add_argument("--dump", type=Path)
    parser.add_argument("--max-items", type=int, default=200)
    args = parser.parse_args()
    store = open_store(args.url)
    times: dict[str, float] = {}
    started = time.perf_counter()
    read = None
    if args.way == "columns":
        read = (change_mark(store), store.event_columns())
        times["read"] = time.perf_counter() - started
    t0 = time.perf_counter()
    view, audit = training_view(store, AuditSettings(), read[1] if read else None)
    times["audit"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if read is None:
        index, histories = load_training_view(view)
    else:
        columns = read[1].without_users(audit.flagged) if audit and audit.flags else read[1]
        index = item_index_of(columns, view.iter_items())
        histories = histories_of(columns, index, customer_of_users(view))
    times["histories"] = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        snapshot = write_snapshot(store, Path(folder) / "profiles", args.max_items, read)
        times["profiles"] = time.perf_counter() - t0
        times["total"] = time.perf_counter() - started
        unpacked = read_snapshot(Path(folder) / "profiles")
    parts = ", ".join(f"{k} {v:.1f}s" for k, v in times.items())
    print(f"{args.way}: {parts}; peak RSS {rss_mb():.0f} MB ({load()})", flush=True)
    if args.dump and unpacked is not None:
        sequences = sequences_of(histories)
        built: dict[str, Any] = {
            "flags": [(f.user_id, f.reasons, f.events) for f in audit.flags] if audit else [],
            "items": index.item_ids,
            "known": index.known.tolist(),
            "sequences": [s.tolist() for s in sequences],
            "customers": list(histories),
            "histories": [(h.items, sorted(h.purchased), h.channels, h.times) for h in histories.values()],
            "trending": trending_scores(histories.values(), len(index)).tolist(),
            "recency": np.asarray(last_event_times(histories)).tolist(),
            "marks": (snapshot.event_seq, snapshot.change_seq, snapshot.stored_events),
            "profiles": [
                (
                    c,
                    {
                        k: sorted(v) if isinstance(v, frozenset) else v
                        for k, v in profile_fields(p.unpack(c)).items()
                    },
                )
                for c, p in unpacked.profiles.items()
            ],
        }
        # repr, not pickle: pickle's memo writes shared strings as references, so equal data read
        # two ways would not compare equal byte for byte.
        args.dump.write_text(repr(built))


if __name__ == "__main__":
    main()
