"""Cross-category complements on real purchases: H&M (store + online), fitted on earlier data only.

Protocol (docs/complements.md): transactions of articles that have catalog data; a customer's
purchases on one day in one channel form a basket. Everything before ``--cutoff`` trains the models.
For every basket on or after the cutoff, the customer's previous basket holds the anchors; for each
anchor item, the targets are the items of the later basket whose product group differs from the
anchor's (a different category: trousers after a top, a bag after shoes). Each method ranks the
whole catalog for the anchor alone (anchor excluded) and we count HR@10 and NDCG@10 over the
(anchor, later basket) cases. Methods, all fitted on the training period only:

* complements: ``shelfwise.complements`` (co-purchase, category transfer, text),
* complements without the category/text terms (item co-purchase only; ablation),
* similar items: ``similar_scores`` (text embedding + co-views; same kind of item),
* popularity: most-bought articles in the training period, and in its last 30 days.

H&M's ``sales_channel_id`` 1 is read as store and 2 as online (H&M never documented the mapping).

    .venv/bin/python benchmarks/complements.py [--cutoff 2020-03-01] [--encoder minilm|fake]
        [--category-depth 1|2]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import itertools
import os
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from shelfwise.complements import ComplementModel, build_complement_model
from shelfwise.domain import Event, Item
from shelfwise.encoders import EmbeddingCache, EncoderSettings, HashingEncoder, choose_encoder, item_text
from shelfwise.history import ItemIndex

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "hm_transactions_sample"
K = 10


@dataclass(frozen=True)
class Purchase:
    customer: str
    article: str
    day: str
    channel: str  # "store" (1) or "web" (2)
    order: int


def load(depth: int) -> tuple[list[Item], list[Purchase], dict[str, str]]:
    items: list[Item] = []
    group_of: dict[str, str] = {}
    with gzip.open(DATA / "articles_sample.csv.gz", "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            path = (row["product_group_name"], row["product_type_name"])[:depth]
            group_of[row["article_id"]] = row["product_group_name"]
            items.append(
                Item(
                    row["article_id"],
                    row["prod_name"],
                    description=row["detail_desc"],
                    category=path,
                    attributes={"colour": row["colour_group_name"], "section": row["section_name"]},
                )
            )
    purchases = []
    with gzip.open(DATA / "transactions_train_sample.csv.gz", "rt", newline="") as handle:
        for order, row in enumerate(csv.DictReader(handle)):
            if row["article_id"] in group_of:
                channel = "store" if row["sales_channel_id"] == "1" else "web"
                purchases.append(
                    Purchase(row["customer_id"], row["article_id"], row["t_dat"], channel, order)
                )
    return items, purchases, group_of


def to_event(p: Purchase) -> Event:
    day = datetime.strptime(p.day, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()
    # A day-and-channel basket: store receipts by store_id, online orders by a session id.
    return Event(
        p.customer, "purchase", day + 36000 + (p.order % 3600), item_id=p.article, channel=p.channel,
        store_id="hm-store" if p.channel == "store" else None,
        session_id=f"{p.customer}:{p.day}" if p.channel == "web" else None,
    )  # fmt: skip


def embed(items: list[Item], encoder_name: str) -> np.ndarray:
    texts = [item_text(i.title, None, list(i.category), i.attributes, i.description) for i in items]
    if encoder_name == "fake":
        return HashingEncoder().encode_batch(texts)
    settings = EncoderSettings()
    cache = EmbeddingCache(choose_encoder("en", settings), settings.resolved_embedding_cache_dir())
    try:
        return np.asarray(cache.encode(texts, progress=True), dtype=np.float32)
    finally:
        cache.close()


@dataclass(frozen=True)
class Case:
    anchor: int
    targets: frozenset[int]


def test_cases(
    purchases: list[Purchase],
    cutoff: str,
    position: dict[str, int],
    group_of: dict[str, str],
    until: str = "9999",
) -> list[Case]:
    baskets: dict[str, dict[tuple[str, str], list[str]]] = {}
    for p in purchases:
        baskets.setdefault(p.customer, {}).setdefault((p.day, p.channel), []).append(p.article)
    cases = []
    for by_key in baskets.values():
        keys = sorted(by_key)
        for previous, current in itertools.pairwise(keys):
            if current[0] < cutoff or current[0] >= until or current[0] == previous[0]:
                continue
            for anchor in dict.fromkeys(by_key[previous]):
                targets = {position[t] for t in by_key[current] if group_of[t] != group_of[anchor]}
                if targets:
                    cases.append(Case(position[anchor], frozenset(targets)))
    return cases


def case_metrics(scores: np.ndarray, case: Case) -> tuple[float, float]:
    """HR@10 and NDCG@10 of one case. Ranks are pessimistic: a target tied with other items ranks
    below all of them, so a scorer with many equal scores gains nothing from the tie order."""
    scores = scores.astype(np.float64).copy()
    scores[case.anchor] = -np.inf
    ranks = sorted(int((scores > scores[t]).sum() + (scores == scores[t]).sum()) for t in case.targets)
    dcg = sum(1.0 / np.log2(rank + 1) for rank in ranks if rank <= K)
    ideal = sum(1.0 / np.log2(i + 2) for i in range(min(len(ranks), K)))
    return float(ranks[0] <= K), dcg / ideal


def bootstrap_diff(a: np.ndarray, b: np.ndarray, rounds: int = 2000, seed: int = 0) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(a), size=(rounds, len(a)))
    diffs = (a[picks] - b[picks]).mean(axis=1)
    return float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cutoff", default="2020-03-01")
    parser.add_argument("--encoder", choices=["minilm", "fake"], default="minilm")
    parser.add_argument("--category-depth", type=int, choices=[1, 2], default=1)
    args = parser.parse_args()

    started = time.perf_counter()
    items, purchases, group_of = load(args.category_depth)
    index = ItemIndex([i.item_id for i in items], np.ones(len(items), dtype=bool))
    position = {item_id: n for n, item_id in enumerate(index.item_ids)}
    train = [p for p in purchases if p.day < args.cutoff]
    cases = test_cases(purchases, args.cutoff, position, group_of)
    print(f"H&M sample: {len(items)} articles with catalog data, {len(purchases)} purchases of them "
          f"({len(train)} before {args.cutoff}); {len(cases)} test cases (anchor, later basket with other-group items)")  # fmt: skip

    t0 = time.perf_counter()
    embeddings = embed(items, args.encoder)
    encode_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    events = [to_event(p) for p in sorted(train, key=lambda p: (p.day, p.order))]
    model = build_complement_model(items, index, events, {}, embeddings)
    fit_s = time.perf_counter() - t0
    co_purchase_only = ComplementModel(
        replace(model.config, category_weight=0.0, transfer_weight=0.0),
        model.m,
        {
            "buyers": model.buyers, "known": model.known, "category_of": model.category_of,
            "category_inferred": model.category_inferred, "category_matrix": model.category_matrix,
            "share": model.share, "best_share": model.best_share,
        },
        model.category_names, model.titles, model.idf, model.phrases, model.embeddings,
    )  # fmt: skip
    counts = Counter(position[p.article] for p in train)
    popular = np.zeros(len(items))
    for item, count in counts.items():
        popular[item] = count
    recent_from = sorted({p.day for p in train})[-30] if train else args.cutoff
    recent = np.zeros(len(items))
    for p in train:
        if p.day >= recent_from:
            recent[position[p.article]] += 1

    methods = {
        "complements": lambda a: model.complement_scores([a]),
        "complements, co-purchase only": lambda a: co_purchase_only.complement_scores([a]),
        "similar items": lambda a: model.similar_scores(a),
        "popularity (training period)": lambda a: popular,
        "popularity (last 30 days)": lambda a: recent,
    }
    results = {}
    timings = {}
    for name, scorer in methods.items():
        t0 = time.perf_counter()
        per_case = np.asarray([case_metrics(scorer(case.anchor), case) for case in cases])
        timings[name] = (time.perf_counter() - t0) / max(len(cases), 1) * 1000
        results[name] = (per_case[:, 0], per_case[:, 1])

    print(
        f"\nencoder {args.encoder}, category depth {args.category_depth}; encode {encode_s:.1f}s, fit {fit_s:.2f}s"
    )
    print(f"{'method':<32} {'HR@10':>8} {'NDCG@10':>8} {'ms/query':>9}")  # ms: scoring + metrics
    for name, (hits, ndcg) in results.items():
        print(f"{name:<32} {hits.mean():>8.4f} {ndcg.mean():>8.4f} {timings[name]:>9.2f}")
    best_baseline = max(
        (n for n in results if not n.startswith("complements")), key=lambda n: results[n][0].mean()
    )
    low, high = bootstrap_diff(results["complements"][0], results[best_baseline][0])
    print(f"\nHR@10 complements − {best_baseline}: {results['complements'][0].mean() - results[best_baseline][0].mean():+.4f} "
          f"(95% bootstrap interval {low:+.4f} … {high:+.4f}, {len(cases)} cases)")  # fmt: skip
    categories = {model.category_names[c] for c in model.category_of}
    print(f"{len(categories)} categories; total {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    main()
