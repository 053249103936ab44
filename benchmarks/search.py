"""Product search on Home Depot (54,667 titles) driven through the CLI, as a user would.

Protocol: the dev judgments' queries are split in two by a hash of the query text. The *train*
half becomes a search log (each judged product an ``impression`` after its query; relevance ≥ 2.33
also a ``click``; relevance 3 also a ``purchase``), ingested as events with the catalog; the
*test* half is searched through ``shelfwise search --queries FILE -k 100`` and never seen in any
label. Figures on the test queries, all in this run:

* BM25 (k1 1.2, b 0.75, lower-case word tokens) over the same titles: the baseline;
* dense only, frozen (the pretrained MiniLM int8 for queries and titles, exact top-100);
* dense only, fine-tuned (the query encoder ``shelfwise train`` fine-tuned on the log, the same
  title vectors);
* hybrid without a re-ranker (CLI before ``shelfwise train``: fusion only);
* full stack, frozen encoder (CLI after ``shelfwise train`` with ``search.tune_query_encoder``
  off: learned re-ranker + behaviour features);
* full stack, fine-tuned (CLI after a second ``shelfwise train`` with fine-tuning on: the ranker
  learns on, and search serves, the fine-tuned cosines).

NDCG@10 over judged products only (unjudged dropped), gain = relevance − 1; Recall@100 of judged
products with relevance ≥ 2. Latency: p50/p99 per query in-process on the warm service (query
encoding included).

    .venv/bin/python benchmarks/search.py [--max-queries N] [--max-minutes M] [--keep DIR]
    .venv/bin/python benchmarks/search.py --evaluate DIR [--max-queries N] [--output answers.jsonl]
    (SHELFWISE_SHARED_DATA=/path/to/shared/data when ../shared is not beside the checkout)
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from shelfwise.encoders import TextEncoder

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "homedepot_search_relevance"
SHELFWISE = Path(sys.executable).with_name("shelfwise")


def load() -> tuple[dict[str, str], dict[str, dict[str, float]]]:
    with gzip.open(DATA / "products.csv.gz", "rt", encoding="utf-8") as handle:
        titles = {row["product_uid"]: row["product_title"] for row in csv.DictReader(handle)}
    judged: dict[str, dict[str, float]] = defaultdict(dict)
    with gzip.open(DATA / "dev_judgments.csv.gz", "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            judged[row["search_term"]][row["product_uid"]] = float(row["relevance"])
    return titles, dict(judged)


def is_test(query: str) -> bool:
    return hashlib.sha256(query.encode()).digest()[0] % 2 == 1


def write_inputs(
    folder: Path, titles: dict[str, str], train: list[str], test: list[str], judged: dict
) -> None:
    with open(folder / "items.jsonl", "w") as handle:
        for uid, title in titles.items():
            handle.write(json.dumps({"item_id": uid, "title": title}) + "\n")
    with open(folder / "events.jsonl", "w") as handle:
        for n, query in enumerate(train):
            base = 1_700_000_000 + n * 100
            for m, (uid, rel) in enumerate(sorted(judged[query].items())):
                kinds = (
                    ["impression"] + (["click"] if rel >= 2.33 else []) + (["purchase"] if rel >= 3 else [])
                )
                for kind in kinds:
                    handle.write(
                        json.dumps(
                            {
                                "user_id": f"searcher-{n}",
                                "item_id": uid,
                                "type": kind,
                                "timestamp": base + m,
                                "query": query,
                                "session_id": f"s{n}",
                                "channel": "web",
                            }
                        )
                        + "\n"
                    )
    with open(folder / "test.jsonl", "w") as handle:
        for n, query in enumerate(test):
            handle.write(json.dumps({"query_id": str(n), "query": query}) + "\n")


def metrics(rankings: list[list[str]], test: list[str], judged: dict) -> dict[str, float]:
    ndcgs, recalls = [], []
    for ranking, query in zip(rankings, test, strict=True):
        labels = judged[query]
        condensed = [labels[i] - 1 for i in ranking if i in labels][:10]
        ideal = sorted((r - 1 for r in labels.values()), reverse=True)[:10]
        idcg = sum(g / math.log2(n + 2) for n, g in enumerate(ideal))
        if idcg > 0:
            ndcgs.append(sum(g / math.log2(n + 2) for n, g in enumerate(condensed)) / idcg)
        relevant = {i for i, r in labels.items() if r >= 2}
        if relevant:
            recalls.append(len(relevant & set(ranking[:100])) / len(relevant))
    return {"NDCG@10": float(np.mean(ndcgs)), "Recall@100": float(np.mean(recalls))}


def bm25_rankings(
    titles: dict[str, str], test: list[str], k1: float = 1.2, b: float = 0.75
) -> list[list[str]]:
    from scipy import sparse

    ids = list(titles)
    word = re.compile(r"\w+")
    vocab: dict[str, int] = {}
    rows, cols, values = [], [], []
    lengths = np.zeros(len(ids))
    for n, uid in enumerate(ids):
        tokens = word.findall(titles[uid].lower())
        lengths[n] = len(tokens)
        counts: dict[int, int] = defaultdict(int)
        for token in tokens:
            counts[vocab.setdefault(token, len(vocab))] += 1
        for column, count in counts.items():
            rows.append(n)
            cols.append(column)
            values.append(count)
    tf = sparse.csr_matrix((values, (rows, cols)), shape=(len(ids), len(vocab)), dtype=np.float64)
    df = np.bincount(cols, minlength=len(vocab))
    idf = np.log(1 + (len(ids) - df + 0.5) / (df + 0.5))
    norm = k1 * (1 - b + b * lengths / lengths.mean())
    tf = tf.tocoo()
    weights = tf.data * (k1 + 1) / (tf.data + norm[tf.row]) * idf[tf.col]
    matrix = sparse.csc_matrix((weights, (tf.row, tf.col)), shape=tf.shape)
    out = []
    for query in test:
        columns = sorted({vocab[t] for t in word.findall(query.lower()) if t in vocab})
        scores = np.asarray(matrix[:, columns].sum(axis=1)).ravel() if columns else np.zeros(len(ids))
        top = np.argsort(-scores, kind="stable")[:100]
        out.append([ids[i] for i in top if scores[i] > 0])
    return out


def dense_rankings(
    titles: dict[str, str], test: list[str], query_encoder: TextEncoder | None = None
) -> list[list[str]]:
    """Exact cosine top-100 over the pretrained int8 title vectors (the search index's own), with
    queries encoded by ``query_encoder`` (default: the same pretrained model)."""
    from shelfwise.domain import Item
    from shelfwise.encoders import EmbeddingCache, EncoderSettings, choose_encoder, encode, item_text

    settings = EncoderSettings()
    encoder = choose_encoder("en", settings)
    cache = EmbeddingCache(encoder, settings.resolved_embedding_cache_dir())
    ids = list(titles)
    matrix = cache.encode([item_text(Item(i, titles[i])) for i in ids], progress=True)
    queries = encode(query_encoder or encoder, test, progress=False)
    out = []
    for vector in queries:
        scores = matrix @ vector
        top = np.argpartition(-scores, 100)[:100]
        out.append([ids[i] for i in top[np.argsort(-scores[top])]])
    return out


def cli_rankings(env: dict[str, str], folder: Path, name: str, count: int) -> tuple[list[list[str]], float]:
    output = folder / f"{name}.jsonl"
    started = time.perf_counter()
    run(env, "search", "--queries", str(folder / "test.jsonl"), "-k", "100", "--output", str(output))
    elapsed = time.perf_counter() - started
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    by_id = {r["query_id"]: [it["item_id"] for it in r["items"]] for r in rows}
    return [by_id.get(str(n), []) for n in range(count)], elapsed


def run(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(SHELFWISE), *args], env=env, check=True, stdout=subprocess.DEVNULL)


def train_and_report(
    env: dict[str, str], home: Path, max_minutes: float, model: str | None
) -> dict[str, float]:
    """Run ``shelfwise train``; print and return its timings and search metrics from the manifest."""
    from shelfwise.storage.models import ModelStore

    t0 = time.perf_counter()
    run(env, "train", "--max-minutes", str(max_minutes), *(("--model", model) if model else ()))
    wall = time.perf_counter() - t0
    models = ModelStore(home / "models")
    manifest = models.manifest(models.active_version())
    facts = {"wall_s": wall, **manifest.timings}
    facts |= {k: v for k, v in manifest.metrics.items() if k.startswith(("query_tuning", "search_"))}
    print(
        f"train {manifest.version}: {wall:.0f}s wall; search encoder {manifest.components.get('search_encoder')}",
        flush=True,
    )
    for key, value in sorted(facts.items()):
        print(f"  {key}: {value:.4f}" if isinstance(value, float) else f"  {key}: {value}")
    return facts


def query_encoding_ms(encoder: TextEncoder, queries: list[str]) -> float:
    """Median milliseconds to encode one query (one thread), after a warm-up call."""
    encoder.encode_batch(queries[:1])
    times = []
    for query in queries:
        t0 = time.perf_counter()
        encoder.encode_batch([query])
        times.append((time.perf_counter() - t0) * 1000)
    return float(np.median(times))


def latency(home: Path, test: list[str]) -> dict[str, float]:
    from shelfwise.service.context import ServiceContext
    from shelfwise.service.lists import ListService
    from shelfwise.settings import Settings

    service = ListService(ServiceContext(Settings(home=home)))
    started = time.perf_counter()
    service.search_source.engine()
    warm = time.perf_counter() - started
    times = []
    for query in test:
        t0 = time.perf_counter()
        service.search(query, k=100)
        times.append((time.perf_counter() - t0) * 1000)
    return {
        "warm_up_s": warm,
        "p50_ms": float(np.percentile(times, 50)),
        "p99_ms": float(np.percentile(times, 99)),
    }


def evaluate_home(home: Path, max_queries: int, output: Path | None) -> None:
    """The test queries on an existing home (``--keep`` of an earlier run), no ingest, no training:
    NDCG@10 / Recall@100 and per-query latency of the same in-process search ``latency`` times
    (k = 100, query encoding included, one pass: every test query is new to the query-vector LRU).
    ``output``: the answers (ids and scores) as JSON lines, to compare two code versions with cmp.
    Searching writes nothing, but run it on a copy (``cp -a``) of a home another process serves."""
    from shelfwise.service.context import ServiceContext
    from shelfwise.service.lists import ListService
    from shelfwise.settings import Settings

    titles, judged = load()
    test = [q for q in sorted(judged) if is_test(q)]
    if max_queries:
        test = test[:max_queries]
    service = ListService(ServiceContext(Settings(home=home)), kinds=frozenset({"search"}))
    started = time.perf_counter()
    service.search_source.engine()
    warm = time.perf_counter() - started
    rankings, times, cpu, lines = [], [], [], []
    for query in test:
        t0, c0 = time.perf_counter(), time.thread_time()
        ranked = service.search(query, k=100)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)  # steadier than wall time on a loaded machine
        rankings.append([s.item_id for s in ranked.items])
        items = [[s.item_id, s.score, list(s.reasons)] for s in ranked.items]
        lines.append(
            json.dumps({"query": query, "items": items, "relaxed": [str(r) for r in ranked.relaxed]})
        )
    if output is not None:
        output.write_text("\n".join(lines) + "\n")
    quality = metrics(rankings, test, judged)
    print(
        f"{len(test)} test queries on {home} ({len(titles)} titles): NDCG@10 {quality['NDCG@10']:.4f}  "
        f"Recall@100 {quality['Recall@100']:.4f}"
    )
    print(
        f"latency per query (k=100, 1 thread, encoding included): p50 {np.percentile(times, 50):.2f} ms  "
        f"mean {np.mean(times):.2f} ms  p99 {np.percentile(times, 99):.2f} ms; warm-up {warm:.1f}s "
        f"(load {os.getloadavg()[0]:.1f})"
    )
    print(
        f"CPU time of this thread per query: p50 {np.percentile(cpu, 50):.2f} ms  mean {np.mean(cpu):.2f} ms"
    )


HM = DATA.parent / "hm_transactions_sample"


def personalization_experiment(min_history: int, keep: Path | None) -> None:
    """H&M: does --user lift the article a customer really bought next?

    Catalog: the 11,800 sample articles (title = product name, category path index group > index >
    department > product type, colour attribute, price = mean paid). Every customer's purchases of
    catalog articles are ingested (store = channel 1, web = 2) except the last one; the query is the
    held-out article's product type ("Trousers"), as a customer would type it. The held-out article's
    rank is compared with and without ``--user`` in the same run (top 100 returned; outside = miss).
    """
    with gzip.open(HM / "articles_sample.csv.gz", "rt") as handle:
        articles = {r["article_id"]: r for r in csv.DictReader(handle)}
    with gzip.open(HM / "transactions_train_sample.csv.gz", "rt") as handle:
        rows = [r for r in csv.DictReader(handle) if r["article_id"] in articles]
    paid: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        paid[r["article_id"]].append(float(r["price"]) * 1000)  # scaled prices, readable units
    history: dict[str, list[dict]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: r["t_dat"]):
        history[r["customer_id"]].append(r)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        home = keep or folder / "home"
        env = {**os.environ, "SHELFWISE_HOME": str(home), "OMP_NUM_THREADS": "1"}
        with open(folder / "items.jsonl", "w") as handle:
            for aid, a in articles.items():
                item = {
                    "item_id": aid,
                    "title": a["prod_name"],
                    "category": [
                        a["index_group_name"],
                        a["index_name"],
                        a["department_name"],
                        a["product_type_name"],
                    ],
                    "attributes": {"colour": a["colour_group_name"]},
                    "description": a["detail_desc"],
                }
                if paid.get(aid):
                    item["price"] = round(float(np.mean(paid[aid])), 2)
                handle.write(json.dumps(item) + "\n")
        held: dict[str, dict] = {}
        with open(folder / "events.jsonl", "w") as handle:
            for customer, purchases in history.items():
                if len(purchases) >= min_history + 1:
                    held[customer] = purchases[-1]
                    purchases = purchases[:-1]
                for r in purchases:
                    handle.write(
                        json.dumps(
                            {
                                "user_id": customer,
                                "item_id": r["article_id"],
                                "type": "purchase",
                                "timestamp": r["t_dat"],
                                "channel": "store" if r["sales_channel_id"] == "1" else "web",
                            }
                        )
                        + "\n"
                    )
        with open(folder / "queries.jsonl", "w") as plain, open(folder / "personal.jsonl", "w") as personal:
            for n, (customer, r) in enumerate(held.items()):
                query = articles[r["article_id"]]["product_type_name"]
                plain.write(json.dumps({"query_id": str(n), "query": query}) + "\n")
                personal.write(json.dumps({"query_id": str(n), "query": query, "user_id": customer}) + "\n")
        run(env, "ingest", "items", str(folder / "items.jsonl"))
        run(env, "ingest", "events", str(folder / "events.jsonl"))
        targets = [r["article_id"] for r in held.values()]
        print(f"H&M: {len(articles)} articles, {len(held)} customers with ≥ {min_history} earlier purchases")
        for name in ("queries", "personal"):
            output = folder / f"{name}.out.jsonl"
            run(
                env,
                "search",
                "--queries",
                str(folder / f"{name}.jsonl"),
                "-k",
                "100",
                "--output",
                str(output),
            )
            ranked = {
                r["query_id"]: [i["item_id"] for i in r["items"]]
                for r in map(json.loads, output.read_text().splitlines())
            }
            ranks = [
                ranked[str(n)].index(t) + 1 if t in ranked[str(n)] else None for n, t in enumerate(targets)
            ]
            mrr = np.mean([1 / r if r else 0.0 for r in ranks])
            hr10 = np.mean([bool(r and r <= 10) for r in ranks])
            hr100 = np.mean([r is not None for r in ranks])
            label = "with --user" if name == "personal" else "without user"
            print(f"  {label:13} MRR@100 {mrr:.4f}  HR@10 {hr10:.4f}  HR@100 {hr100:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--experiment", choices=["homedepot", "personalization"], default="homedepot")
    parser.add_argument(
        "--min-history", type=int, default=3, help="personalization: earlier purchases needed"
    )
    parser.add_argument("--max-queries", type=int, default=0, help="cap test queries (0 = all)")
    parser.add_argument("--max-minutes", type=float, default=20.0, help="budget of shelfwise train")
    parser.add_argument(
        "--train-model",
        default=None,
        help="next-item model of shelfwise train (default: the product's default, what a user gets). "
        "Search reads none of it, but shares the budget (training/budget.py splits it by what the shop "
        "has: with the default model the whole log is replayed, docs/performance.md); `popularity` isolates search",
    )
    parser.add_argument("--keep", type=Path, help="keep the SHELFWISE_HOME here")
    parser.add_argument(
        "--evaluate",
        type=Path,
        metavar="HOME",
        help="only search the test queries on this existing home (a --keep of an earlier run): "
        "quality and latency without ingest or training",
    )
    parser.add_argument("--output", type=Path, help="--evaluate: write the answers here (JSON lines)")
    args = parser.parse_args()
    if args.evaluate:
        _use_shared_data_env()
        evaluate_home(args.evaluate, args.max_queries, args.output)
        return
    if args.experiment == "personalization":
        personalization_experiment(args.min_history, args.keep)
        return
    _use_shared_data_env()
    titles, judged = load()
    queries = sorted(judged)
    train = [q for q in queries if not is_test(q)]
    test = [q for q in queries if is_test(q)]
    if args.max_queries:
        test = test[: args.max_queries]
    print(f"catalog {len(titles)} titles; {len(train)} train queries (log), {len(test)} test queries")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        home = args.keep or folder / "home"
        env = {
            **os.environ,
            "SHELFWISE_HOME": str(home),
            "OMP_NUM_THREADS": "1",
            "OMP_WAIT_POLICY": "PASSIVE",
        }
        write_inputs(folder, titles, train, test, judged)
        t0 = time.perf_counter()
        run(env, "ingest", "items", str(folder / "items.jsonl"))
        run(env, "ingest", "events", str(folder / "events.jsonl"))
        print(f"ingest: {time.perf_counter() - t0:.0f}s")
        results = {"BM25": metrics(bm25_rankings(titles, test), test, judged)}
        print("BM25", results["BM25"], flush=True)
        frozen_dense = "dense only, frozen MiniLM int8"
        results[frozen_dense] = metrics(dense_rankings(titles, test), test, judged)
        print("dense", results[frozen_dense], flush=True)
        rankings, seconds = cli_rankings(env, folder, "fusion", len(test))
        results["hybrid, no re-ranker (CLI)"] = metrics(rankings, test, judged)
        print(f"hybrid {results['hybrid, no re-ranker (CLI)']} ({seconds:.0f}s for the batch)", flush=True)
        # The same stack trained twice on the same log: query encoder frozen, then fine-tuned.
        frozen_env = {**env, "SHELFWISE_SEARCH__TUNE_QUERY_ENCODER": "false"}
        trainings = {"frozen": train_and_report(frozen_env, home, args.max_minutes, args.train_model)}
        rankings, seconds = cli_rankings(env, folder, "full-frozen", len(test))
        results["full stack, frozen encoder (CLI)"] = metrics(rankings, test, judged)
        print(f"full, frozen {results['full stack, frozen encoder (CLI)']} ({seconds:.0f}s)", flush=True)
        trainings["fine-tuned"] = train_and_report(env, home, args.max_minutes, args.train_model)
        rankings, seconds = cli_rankings(env, folder, "full-tuned", len(test))
        results["full stack, fine-tuned (CLI)"] = metrics(rankings, test, judged)
        print(f"full, fine-tuned {results['full stack, fine-tuned (CLI)']} ({seconds:.0f}s)", flush=True)
        tuned = load_tuned(home)
        if tuned is not None:
            results["dense only, fine-tuned queries"] = metrics(
                dense_rankings(titles, test, tuned), test, judged
            )
            print("dense, fine-tuned", results["dense only, fine-tuned queries"], flush=True)
        encoding = encoding_costs(tuned, test[:200])
        timing = latency(home, test[:500])
    base = results["BM25"]
    print(f"\n{'method':34} {'NDCG@10':>8} {'×BM25':>6} {'R@100':>8} {'×BM25':>6}")
    for name, value in results.items():
        print(
            f"{name:34} {value['NDCG@10']:8.4f} {value['NDCG@10'] / base['NDCG@10']:6.3f} "
            f"{value['Recall@100']:8.4f} {value['Recall@100'] / base['Recall@100']:6.3f}"
        )
    for name, facts in trainings.items():
        print(
            f"train ({name}): {facts['wall_s']:.0f}s wall, search step {facts.get('search_s', 0):.0f}s, "
            f"fine-tuning {facts.get('query_tuning_s', 0):.0f}s "
            f"({facts.get('query_tuning_steps', 0):.0f} steps, held-out MRR "
            f"{facts.get('query_tuning_mrr_pretrained', float('nan')):.4f} → "
            f"{facts.get('query_tuning_mrr', float('nan')):.4f})"
        )
    print(
        "one query's encoding, p50: "
        + ", ".join(f"{name} {ms:.1f} ms" for name, ms in encoding.items())
        + "; titles re-encoded by fine-tuning: 0 (only the query side is tuned)"
    )
    print(
        f"latency per query (warm, k=100, 1 thread): p50 {timing['p50_ms']:.1f} ms, p99 {timing['p99_ms']:.1f} ms; "
        f"warm-up {timing['warm_up_s']:.0f}s"
    )


def _use_shared_data_env() -> None:
    global DATA
    if os.environ.get("SHELFWISE_SHARED_DATA"):  # a worktree whose ../shared is elsewhere
        DATA = Path(os.environ["SHELFWISE_SHARED_DATA"]) / DATA.name


def load_tuned(home: Path) -> TextEncoder | None:
    from shelfwise.search.factory import load_query_encoder
    from shelfwise.storage.models import ModelStore

    models = ModelStore(home / "models")
    return load_query_encoder(models.path(models.active_version()))


def encoding_costs(tuned: TextEncoder | None, queries: list[str]) -> dict[str, float]:
    from shelfwise.encoders import EncoderSettings, choose_encoder

    costs = {"pretrained": query_encoding_ms(choose_encoder("en", EncoderSettings()), queries)}
    if tuned is not None:
        costs["fine-tuned"] = query_encoding_ms(tuned, queries)
    return costs


if __name__ == "__main__":
    main()
