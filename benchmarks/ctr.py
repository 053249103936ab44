"""Click prediction on three impression logs: Shelfwise's click model vs each item's past CTR vs the
articles' approach (a MiniLM fine-tuned as a click classifier), all in this run.

Logs:
* ``demo``: the demo shop's search log (``shelfwise.demo`` generator, ingested into a store and read
  back by ``read_click_log``, the reader ``shelfwise train`` uses);
* ``homedepot``: Home Depot's judged search results, the train half of the dev judgments (the split
  of ``benchmarks/search.py``) as a search log: each judged product an impression after its query,
  relevance ≥ 2.33 a click, 3 a purchase; searches one after another in a fixed shuffled order;
* ``beauty``: real Amazon Beauty sequences (``amazon2014_seqrec``) with a position-biased click
  simulator: each shopper's last item is what they want next; the old ranking shows 10 items (items
  that followed the shopper's last one in others' sequences, then best sellers, the wanted item
  slipped in at a random slot 60 % of the time); the shopper examines slot p with probability
  1/(p+1) and clicks an examined item if it is the wanted one, otherwise with probability
  0.02 + 0.2 · max(0, cosine(item, shopper's last item)) (browsing related items). Seeded.

Protocol (every log): impressions in time order, the newest 20 % held out (``holdout_predictions``,
what ``shelfwise evaluate --protocol impressions`` runs). Shelfwise: LightGBM click model over the
features of ``shelfwise.ctr`` (item vectors by the catalog's encoder), Platt-calibrated. Baseline:
the item's smoothed click-through in the training window. Anchor: all-MiniLM-L6-v2 with a linear
head on the mean-pooled tokens, fine-tuned end to end on (customer's behaviour text, item text)
pairs — behaviour: the query (search) and the titles of the customer's last 5 items — binary cross
entropy, AdamW lr 2e-5, batch 16, max 128 tokens, 1 thread, for ``--anchor-minutes`` of training on
the same training impressions (shuffled, seeded), then scored on a sample of ``--max-test`` held-out
impressions (the same sample is scored by all three; the table shows it, plus Shelfwise and the
baseline on the whole held-out slice). ECE: 10 equal-mass bins.

    .venv/bin/python benchmarks/ctr.py [--logs demo,homedepot,beauty] [--anchor-minutes 3]
        [--max-test 1500] [--beauty-users 6000] [--json FILE]
"""

from __future__ import annotations

import argparse
import bisect
import csv
import gzip
import itertools
import json
import math
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from shelfwise.ctr import ClickExample, ClickLog, Engagement, ItemSpace
from shelfwise.ctr.calibration import ece_noise_floor, report
from shelfwise.ctr.fit import Holdout, holdout_predictions
from shelfwise.domain import Item
from shelfwise.encoders import item_text
from shelfwise.settings import Settings

HERE = Path(__file__).resolve().parent
# ../shared/data from the checkout (a git worktree may sit one level deeper: look upwards).
SHARED = next(
    (p / "shared" / "data" for p in HERE.parents if (p / "shared" / "data").is_dir()),
    HERE.parents[1] / "shared" / "data",
)
Texts = dict[str, str]


# ---------------------------------------------------------------------------------------- logs
def _store_log(home: Path, items: Path, events: Path) -> tuple[ClickLog, Texts]:
    """Ingest the files into a fresh store and read the click log back as ``shelfwise train`` does."""
    from shelfwise.history import build_item_index
    from shelfwise.service.context import ServiceContext
    from shelfwise.service.ingest import IngestService
    from shelfwise.training.ctr_job import LOG_EVENT_TYPES, read_click_log
    from shelfwise.training.nextitem import catalog_texts, embed_catalog

    ctx = ServiceContext(Settings(home=home))
    ingest = IngestService(ctx)
    ingest.ingest_file("items", items)
    ingest.ingest_file("events", events)
    catalog = list(ctx.store.iter_items())
    index = build_item_index(catalog, (s.event for s in ctx.store.iter_events(types=LOG_EVENT_TYPES)))
    embeddings, encoder = embed_catalog(ctx.settings, catalog_texts(catalog, index), None, progress=False)
    log = read_click_log(ctx.settings, ctx.store, catalog, index, embeddings, encoder)
    texts = {item.item_id: item_text(item) for item in catalog}
    ctx.close()
    return log, texts


def demo_log(work: Path, seed: int) -> tuple[ClickLog, Texts]:
    from shelfwise.demo import generate_shop

    shop = generate_shop(work / "demo-shop", seed=seed + 7, n_customers=1500)
    return _store_log(work / "demo-home", shop.items_path, shop.events_path)


def homedepot_log(work: Path, seed: int) -> tuple[ClickLog, Texts]:
    sys.path.insert(0, str(HERE))
    import search  # benchmarks/search.py: the same loader and split

    search.DATA = SHARED / "homedepot_search_relevance"
    titles, judged = search.load()
    is_test = search.is_test
    queries = [q for q in judged if not is_test(q)]
    order = np.random.default_rng(seed).permutation(len(queries))
    items_path, events_path = work / "hd-items.jsonl", work / "hd-events.jsonl"
    used = sorted({uid for q in queries for uid in judged[q]})
    with open(items_path, "w") as handle:
        for uid in used:
            handle.write(json.dumps({"item_id": uid, "title": titles.get(uid, uid)}) + "\n")
    with open(events_path, "w") as handle:
        for n, index in enumerate(order.tolist()):
            query = queries[index]
            base = 1_700_000_000 + n * 100
            shown = sorted(judged[query].items())
            rows = []
            for uid, _ in shown:
                rows.append(("impression", uid, base))
            for m, (uid, relevance) in enumerate(shown):
                if relevance >= 2.33:
                    rows.append(("click", uid, base + 10 + m))
                if relevance >= 3:
                    rows.append(("purchase", uid, base + 50 + m))
            for kind, uid, when in rows:
                row = {"user_id": f"searcher-{n}", "item_id": uid, "type": kind, "timestamp": when}
                handle.write(json.dumps({**row, "query": query, "session_id": f"s{n}"}) + "\n")
    return _store_log(work / "hd-home", items_path, events_path)


def beauty_log(users: int, seed: int) -> tuple[ClickLog, Texts]:
    """Real Beauty sequences, simulated lists and clicks (see the module docstring)."""
    data = SHARED / "amazon2014_seqrec" / "beauty"
    sequences = []
    with gzip.open(data / "s3rec_Beauty.txt.gz", "rt") as handle:
        for line in handle:
            sequences.append([f"b{x}" for x in line.split()[1:]])
    titles: Texts = {}
    with open(data / "items_derived.tsv", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        next(reader)
        for row in reader:
            titles[f"b{row[0]}"] = row[2] if len(row) > 2 else row[1]
    rng = np.random.default_rng(seed)
    chosen = [sequences[i] for i in rng.permutation(len(sequences))[:users] if len(sequences[i]) >= 3]
    follows: dict[str, Counter[str]] = defaultdict(Counter)
    popularity: Counter[str] = Counter()
    for sequence in sequences:  # the old ranking's statistics: everything but the wanted items
        history = sequence[:-1]
        popularity.update(history)
        for a, b in itertools.pairwise(history):
            follows[a][b] += 1
    best = [item for item, _ in popularity.most_common(50)]
    catalog = {i: Item(i, t or i) for i, t in titles.items()}
    item_ids = sorted(catalog)
    vectors = _encode([item_text(catalog[i]) for i in item_ids])
    space = ItemSpace.build(catalog, item_ids, vectors)
    examples: list[ClickExample] = []
    engagements: list[Engagement] = []
    for n, sequence in enumerate(chosen):
        customer, wanted, history = f"shopper-{n}", sequence[-1], sequence[:-1]
        when = 1_600_000_000 + n * 1000.0
        for k, item in enumerate(history[-20:]):
            engagements.append(Engagement(when - 500 + k, customer, item))
        shown = _old_ranking(history, wanted, follows, best, rng)
        last = space.vector(history[-1])
        for position, item in enumerate(shown):
            examined = rng.random() < 1.0 / (position + 1)
            vector = space.vector(item)
            related = float(vector @ last) if vector is not None and last is not None else 0.0
            attraction = 1.0 if item == wanted else 0.02 + 0.2 * max(related, 0.0)
            clicked = examined and rng.random() < attraction
            examples.append(
                ClickExample(
                    when, customer, item, position, "home", None, f"r{n}", when + 5 if clicked else None
                )
            )
    engagements.sort(key=lambda e: e.timestamp)
    return ClickLog(examples, engagements, space), {i: item_text(catalog[i]) for i in item_ids}


def _old_ranking(
    history: list[str],
    wanted: str,
    follows: dict[str, Counter[str]],
    best: list[str],
    rng: np.random.Generator,
) -> list[str]:
    shown: list[str] = []
    for item, _ in follows[history[-1]].most_common(5):
        if item not in shown and item not in history:
            shown.append(item)
    for item in best:
        if len(shown) >= 10:
            break
        if item not in shown and item not in history:
            shown.append(item)
    if rng.random() < 0.6 and wanted not in shown:
        shown.insert(int(rng.integers(0, len(shown))), wanted)
        shown = shown[:10]
    return shown


def _encode(texts: list[str]) -> np.ndarray:
    from shelfwise.encoders import EmbeddingCache, encoder_for_catalog

    settings = Settings()
    cache = EmbeddingCache(encoder_for_catalog(None, texts), settings.encoders.resolved_embedding_cache_dir())
    try:
        return np.asarray(cache.encode(texts, progress=False), dtype=np.float32)
    finally:
        cache.close()


# -------------------------------------------------------------------------------------- anchor
def behaviour_texts(log: ClickLog, examples: Sequence[ClickExample], texts: Texts) -> list[str]:
    """What the articles feed the transformer about the shopper: the query and the last 5 items."""
    timeline: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for engagement in log.engagements:
        timeline[engagement.customer].append((engagement.timestamp, engagement.item_id))
    out = []
    for example in examples:
        events = timeline.get(example.customer, [])
        before = events[: bisect.bisect_left(events, (example.timestamp,))]
        recent = [texts.get(item, item)[:80] for _, item in before[-5:]]
        parts = ([f"search: {example.query}"] if example.query else []) + (
            [f"recent: {'; '.join(recent)}"] if recent else ["recent: none"]
        )
        out.append(" | ".join(parts))
    return out


def fine_tune_anchor(
    train_pairs: list[tuple[str, str]],
    train_labels: np.ndarray,
    test_pairs: list[tuple[str, str]],
    minutes: float,
    seed: int,
) -> tuple[np.ndarray, float, int]:
    """(test probabilities, training seconds, training pairs seen)."""
    import torch

    from shelfwise.encoders.minilm import load_sentence_transformer

    torch.manual_seed(seed)
    st = load_sentence_transformer(threads=1, max_length=128)
    transformer, tokenizer = st[0].auto_model, st.tokenizer
    head = torch.nn.Linear(transformer.config.hidden_size, 1)
    optimiser = torch.optim.AdamW([*transformer.parameters(), *head.parameters()], lr=2e-5)
    loss_of = torch.nn.BCEWithLogitsLoss()

    def logits(pairs: list[tuple[str, str]]) -> torch.Tensor:
        batch = tokenizer(
            [a for a, _ in pairs],
            [b for _, b in pairs],
            truncation=True,
            max_length=128,
            padding=True,
            return_tensors="pt",
        )
        hidden = transformer(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return head(pooled).squeeze(-1)

    rng = np.random.default_rng(seed)
    transformer.train()
    started, seen = time.monotonic(), 0
    while time.monotonic() - started < minutes * 60:
        for start in range(0, len(train_pairs), 16):
            if time.monotonic() - started >= minutes * 60:
                break
            if start == 0:
                order = rng.permutation(len(train_pairs))
            rows = order[start : start + 16]
            loss = loss_of(logits([train_pairs[i] for i in rows]), torch.tensor(train_labels[rows]))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            seen += len(rows)
    train_s = time.monotonic() - started
    transformer.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(test_pairs), 64):
            out.append(torch.sigmoid(logits(test_pairs[start : start + 64])).numpy())
    return np.concatenate(out) if out else np.zeros(0), train_s, seen


# ------------------------------------------------------------------------------------- compare
def compare(name: str, log: ClickLog, texts: Texts, args: argparse.Namespace) -> dict[str, object]:
    print(
        f"\n== {name}: {len(log.examples)} impressions, {sum(e.clicked for e in log.examples)} clicks",
        flush=True,
    )
    result: Holdout = holdout_predictions(log, seed=args.seed)
    rng = np.random.default_rng(args.seed)
    sample = np.sort(rng.permutation(len(result.test))[: args.max_test])
    test = [result.test[i] for i in sample]
    labels = result.labels[sample]
    train_pairs = list(
        zip(
            behaviour_texts(log, result.train, texts),
            (texts.get(e.item_id, e.item_id) for e in result.train),
            strict=True,
        )
    )
    test_pairs = list(
        zip(behaviour_texts(log, test, texts), (texts.get(e.item_id, e.item_id) for e in test), strict=True)
    )
    train_labels = np.array([e.clicked for e in result.train], dtype=np.float32)
    anchor, anchor_s, seen = fine_tune_anchor(
        train_pairs, train_labels, test_pairs, args.anchor_minutes, args.seed
    )
    rows = {
        "shelfwise": {**report(labels, result.predicted[sample]), "train_s": result.fit_seconds},
        "item_ctr": {**report(labels, result.baseline[sample]), "train_s": 0.0},
        "anchor_minilm": {**report(labels, anchor), "train_s": anchor_s, "pairs_seen": seen},
    }
    full = {
        "shelfwise": report(result.labels, result.predicted),
        "item_ctr": report(result.labels, result.baseline),
    }
    # What a perfectly calibrated model would still show on this slice (binomial noise of the bins).
    floor = ece_noise_floor(result.predicted)
    better = max(rows["item_ctr"]["auc"], rows["anchor_minilm"]["auc"])
    stage_ms = stage_latency(log, result, args.seed)
    out = {
        "log": name,
        "train_impressions": len(result.train),
        "held_out": len(result.test),
        "scored_sample": len(test),
        "click_rate": float(labels.mean()),
        "sample": rows,
        "full_held_out": full,
        "auc_margin_over_better": rows["shelfwise"]["auc"] - better,
        "ece_noise_floor_full": floor,
        "stage_ms_per_request": stage_ms,
    }
    print(
        f"  held out {len(result.test)} (scored sample {len(test)}, click rate {labels.mean():.4f}); "
        f"anchor saw {seen} training pairs",
        flush=True,
    )
    print(f"  {'':>14} {'AUC':>7} {'logloss':>8} {'ECE':>7} {'train s':>8}")
    for model, row in rows.items():
        print(
            f"  {model:>14} {row['auc']:7.4f} {row['logloss']:8.4f} {row['ece']:7.4f} {row['train_s']:8.1f}"
        )
    for model, row in full.items():
        print(f"  {model + ' (all)':>14} {row['auc']:7.4f} {row['logloss']:8.4f} {row['ece']:7.4f}")
    print(f"  ECE a calibrated model would still show on all {len(result.test)}: {floor:.4f}")
    print(
        f"  AUC margin over the better of baseline and anchor: {out['auc_margin_over_better']:+.4f}",
        flush=True,
    )
    print(f"  click stage: {stage_ms:.2f} ms per request (60 candidates, 20 recent items)", flush=True)
    return out


def stage_latency(log: ClickLog, result: Holdout, seed: int, requests: int = 200) -> float:
    """What the serving stage costs: ``ClickModel.score`` of 60 candidates for a customer with 20
    recent items (query and its vector included on search logs), per request, in process."""
    from shelfwise.ctr import RecentItems

    rng = np.random.default_rng(seed)
    items = sorted({e.item_id for e in result.test})
    recent = [e.item_id for e in log.engagements[-20:]] or items[:20]
    example = result.test[0]
    vector = log.query_vectors.get(example.query) if example.query and log.query_vectors else None
    lists = [[items[i] for i in rng.permutation(len(items))[:60]] for _ in range(requests)]
    started = time.perf_counter()
    for candidates in lists:
        result.model.score(
            candidates, example.placement, RecentItems(recent), log.space, example.query, vector
        )
    return (time.perf_counter() - started) / requests * 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--logs", default="demo,homedepot,beauty")
    parser.add_argument("--anchor-minutes", type=float, default=3.0)
    parser.add_argument("--max-test", type=int, default=1500)
    parser.add_argument("--beauty-users", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="ctr-bench-") as tmp:
        work = Path(tmp)
        for name in args.logs.split(","):
            started = time.monotonic()
            if name == "demo":
                log, texts = demo_log(work, args.seed)
            elif name == "homedepot":
                log, texts = homedepot_log(work, args.seed)
            elif name == "beauty":
                log, texts = beauty_log(args.beauty_users, args.seed)
            else:
                parser.error(f"unknown log {name!r}")
            print(f"[{name}] log built in {time.monotonic() - started:.0f}s", flush=True)
            results.append(compare(name, log, texts, args))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=float))
    print("\nsummary (scored sample): AUC shelfwise / item CTR / anchor; ECE shelfwise")
    for r in results:
        s = r["sample"]
        print(
            f"  {r['log']:>10}: {s['shelfwise']['auc']:.4f} / {s['item_ctr']['auc']:.4f} / "
            f"{s['anchor_minilm']['auc']:.4f}; ECE {s['shelfwise']['ece']:.4f}; "
            f"margin {r['auc_margin_over_better']:+.4f}"
        )
    if any(math.isnan(r["auc_margin_over_better"]) for r in results):
        print("  (NaN: a sample with one class)")


if __name__ == "__main__":
    main()
