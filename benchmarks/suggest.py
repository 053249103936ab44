"""Query suggestions on Home Depot, against a most-popular-prefix baseline measured in the same run.

Protocol (``benchmarks/search.py``'s split): the dev judgments' queries are split in two by a hash
of the query text; the *train* half becomes the search log (each judged product an impression after
its query, relevance ≥ 2.33 also a click, 3 also a purchase, one session per query), the 54,667
titles the catalog. Each *test* query (never in the log) is typed one character at a time; at
every prefix the top 5 suggestions are taken from

* **Shelfwise** (``SuggestService``: successful past queries + catalog phrases, one typo, in process);
* **baseline**: successful past queries with that exact prefix, most successful first;
* **baseline + catalog**: the same over past queries *and* the catalog phrases Shelfwise uses (title
  word runs shared by ≥ 2 titles), ranked by raw count (searches or titles): what is left of
  Shelfwise without typo tolerance and source weighting.

Figures: *found@half*: share of test queries among the top 5 by the time half of the query (rounded
up) is typed; *MRR@half*: reciprocal rank of the query among the top 5 at half; *word-prefix@half*:
share where a top-5 suggestion at half is a longer word-aligned start of the query (typing it
saves keystrokes even when the whole query is not suggested); latency p50 / p99 per call over all
prefixes typed (Shelfwise; one thread, warm index), as wall time and as the call's own CPU time (on a
shared machine the wall-time tail is mostly waiting for a core).

    .venv/bin/python benchmarks/suggest.py [--max-queries N]
    (SHELFWISE_SHARED_DATA=/path/to/shared/data when ../shared is not beside the checkout)
"""

from __future__ import annotations

import argparse
import bisect
import math
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import search as search_benchmark
from shelfwise.domain import Event, Item
from shelfwise.search.behaviour import query_key
from shelfwise.search.suggest import MIN_TITLES, title_phrases
from shelfwise.service.context import ServiceContext
from shelfwise.service.suggest import SuggestService
from shelfwise.settings import Settings

K = 5


def log_events(train: list[str], judged: dict[str, dict[str, float]]) -> list[tuple[str, Event]]:
    events = []
    for n, query in enumerate(train):
        for m, (uid, rel) in enumerate(sorted(judged[query].items())):
            kinds = ["impression"] + (["click"] if rel >= 2.33 else []) + (["purchase"] if rel >= 3 else [])
            for kind in kinds:
                event = Event(
                    f"searcher-{n}",
                    kind,
                    1_700_000_000 + n * 100 + m,
                    item_id=uid,
                    query=query,
                    session_id=f"s{n}",
                )
                events.append((f"{n}-{m}-{kind}", event))
    return events


def successful_queries(events: list[tuple[str, Event]]) -> Counter[str]:
    succeeded = {(e.session_id, query_key(e.query or "")) for _, e in events if e.type != "impression"}
    return Counter(q for _, q in succeeded)


def catalog_phrases(titles: dict[str, str]) -> Counter[str]:
    counts = Counter(p for title in titles.values() for p in title_phrases(title))
    return Counter({p: n for p, n in counts.items() if n >= MIN_TITLES})


class PopularPrefix:
    """A baseline: phrases with the typed prefix, most frequent first."""

    def __init__(self, counts: Counter[str]) -> None:
        self._sorted = sorted(counts)
        self._counts = counts

    def complete(self, prefix: str, k: int) -> list[str]:
        key = query_key(prefix) + (" " if prefix.endswith(" ") and prefix.strip() else "")
        lo = bisect.bisect_left(self._sorted, key)
        hi = bisect.bisect_left(self._sorted, key + "\U0010ffff", lo)
        return sorted(self._sorted[lo:hi], key=lambda q: (-self._counts[q], q))[:k]


def score(typed_runs: list[tuple[str, list[list[str]]]]) -> dict[str, float]:
    """typed_runs: (query, top-k suggestions after each prefix length 1..len)."""
    found, rr, word_prefix = [], [], []
    for query, runs in typed_runs:
        half = math.ceil(len(query) / 2)
        found.append(any(query in top for top in runs[:half]))
        at_half = runs[half - 1]
        rr.append(1 / (at_half.index(query) + 1) if query in at_half else 0.0)
        typed = query[:half]
        word_prefix.append(
            any(s == query or (query.startswith(s + " ") and len(s) > len(typed.rstrip())) for s in at_half)
        )
    return {"found@half": np.mean(found), "MRR@half": np.mean(rr), "word-prefix@half": np.mean(word_prefix)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max-queries", type=int, default=0, help="cap test queries (0 = all)")
    args = parser.parse_args()
    if os.environ.get("SHELFWISE_SHARED_DATA"):
        search_benchmark.DATA = Path(os.environ["SHELFWISE_SHARED_DATA"]) / search_benchmark.DATA.name
    titles, judged = search_benchmark.load()
    queries = sorted(judged)
    train = [q for q in queries if not search_benchmark.is_test(q)]
    test = [query_key(q) for q in queries if search_benchmark.is_test(q)]
    test = [q for q in dict.fromkeys(test) if q]
    if args.max_queries:
        test = test[: args.max_queries]
    events = log_events(train, judged)
    with tempfile.TemporaryDirectory() as tmp:
        ctx = ServiceContext(Settings(home=Path(tmp), store_url="memory://"))
        ctx.store.upsert_items([Item(uid, title) for uid, title in titles.items()])
        ctx.store.append_events(events)
        service = SuggestService(ctx)
        started = time.perf_counter()
        index = service.index()
        build = time.perf_counter() - started
        queries_only = successful_queries(events)
        baseline = PopularPrefix(queries_only)
        with_catalog = PopularPrefix(queries_only + catalog_phrases(titles))
        ours_runs, base_runs, catalog_runs, times, cpu = [], [], [], [], []
        for query in test:
            ours, base, cat = [], [], []
            for length in range(1, len(query) + 1):
                prefix = query[:length]
                t0, c0 = time.perf_counter(), time.thread_time()
                found = service.suggest(prefix, K)
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.thread_time() - c0) * 1000)
                ours.append([s.text for s in found])
                base.append(baseline.complete(prefix, K))
                cat.append(with_catalog.complete(prefix, K))
            ours_runs.append((query, ours))
            base_runs.append((query, base))
            catalog_runs.append((query, cat))
        ctx.close()
    print(
        f"Home Depot: {len(titles)} titles, {len(train)} logged queries, {len(test)} test queries typed "
        f"one character at a time ({len(times)} calls); index of {len(index)} phrases built in {build:.1f}s"
    )
    results = {
        "most-popular-prefix (baseline)": score(base_runs),
        "baseline + catalog phrases": score(catalog_runs),
        "Shelfwise suggest": score(ours_runs),
    }
    print(f"\n{'method':32} {'found@half':>10} {'MRR@half':>9} {'word-prefix@half':>17}")
    for name, value in results.items():
        print(
            f"{name:32} {value['found@half']:10.4f} {value['MRR@half']:9.4f} {value['word-prefix@half']:17.4f}"
        )
    print(
        f"latency per call (Shelfwise, warm, 1 thread): p50 {np.percentile(times, 50):.2f} ms, "
        f"p99 {np.percentile(times, 99):.2f} ms, max {max(times):.1f} ms; CPU time per call (what "
        f"the call itself costs, without waiting for a core): p50 {np.percentile(cpu, 50):.2f} ms, "
        f"p99 {np.percentile(cpu, 99):.2f} ms; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
