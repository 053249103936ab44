"""Exact vs approximate dense retrieval on the Home Depot catalog (55k titles, MiniLM int8): time
of one top-k query and recall@k of the approximate list against the exact one, by catalog size.
This is where ``search.ann_min_items`` comes from: the size from which the approximate index
(faiss IVF-Flat, ``shelfwise.search.dense``) answers faster than the exact product.

Item vectors come from the embedding cache (the same texts and cache search and train use: the
first run encodes the catalog, ~10 minutes on one core); queries are the benchmark's test queries
(benchmarks/search.py split). One thread; the 1-minute load average is printed.

    .venv/bin/python benchmarks/search_ann.py [--sizes 5000 10000 20000 40000 0] [--queries 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from search import is_test, load  # beside this file
from shelfwise.domain import Item
from shelfwise.encoders import EmbeddingCache, EncoderSettings, encoder_for_catalog
from shelfwise.search.dense import DenseIndex
from shelfwise.search.index import search_text

K = (100, 200)  # 200: search.candidates_per_source


def _ms(run: object, queries: np.ndarray, k: int) -> tuple[float, list[np.ndarray]]:
    times, found = [], []
    for query in queries:
        started = time.perf_counter()
        rows, _ = run(query, k)  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
        found.append(rows)
    return statistics.median(times), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 10000, 20000, 40000, 0], help="0: all")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    titles, judged = load()
    items = [Item(uid, title) for uid, title in titles.items()]
    settings = EncoderSettings()
    encoder = encoder_for_catalog("minilm", [], settings)
    cache = EmbeddingCache(encoder, settings.resolved_embedding_cache_dir())
    vectors = cache.encode([search_text(item) for item in items], progress=True)
    queries = [q for q in sorted(judged) if is_test(q)][: args.queries]
    query_vectors = encoder.encode_batch(queries)
    print(
        f"{len(items)} items, {len(queries)} queries, dim {vectors.shape[1]} (load {os.getloadavg()[0]:.1f})"
    )
    print("items   exact ms  ivf ms  ivf/exact  recall@100  recall@200  ivf build s  nlist nprobe")
    for size in args.sizes:
        n = size or len(items)
        dense = DenseIndex(encoder.dim, ann_min_items=1)
        started = time.perf_counter()
        dense.load(vectors[:n])  # builds the approximate index (n ≥ ann_min_items)
        build = time.perf_counter() - started
        exact_ms, exact = _ms(dense.top_exact, query_vectors, max(K))
        ann_ms, approx = _ms(dense.top_approximate, query_vectors, max(K))
        recalls = [
            float(np.mean([len(set(a[:k]) & set(e[:k])) / k for a, e in zip(approx, exact, strict=True)]))
            for k in K
        ]
        ann = dense._ann
        print(
            f"{n:>6}  {exact_ms:8.2f}  {ann_ms:6.2f}  {ann_ms / exact_ms:9.2f}  {recalls[0]:10.3f}  "
            f"{recalls[1]:10.3f}  {build:11.1f}  {ann.nlist:5d} {ann.nprobe:6d}  (load {os.getloadavg()[0]:.1f})",
            flush=True,
        )
    cache.close()


if __name__ == "__main__":
    main()
