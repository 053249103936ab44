"""Cross-category complements on Amazon 2014 Beauty (5-core), categories inferred from titles.

Protocol (docs/complements.md, "Experiment 2: Amazon Beauty"): leave-one-out on the standard sequences. Every
method is fitted on each user's sequence minus its last item (``train_plus_valid``); the anchor is
the second-to-last item, the target the last one, and only cases whose target lies in another
inferred category than the anchor are kept. Each method ranks the whole catalog for the anchor alone
(anchor and the user's earlier items excluded; ties count against the target): HR@10, NDCG@10, and a
paired bootstrap 95 % interval of complements − the best baseline. ``--split valid`` runs the same
protocol one step earlier (fit on the sequence minus its last two items, target = second-to-last).

Categories: spherical k-means (numpy, seed 0, ``--clusters`` 50) over the MiniLM title embeddings,
fixed before any evaluation and never tuned on targets. The model gets them as item categories and
the evaluation uses the same ones to decide what "another category" is.

Methods, all fitted on the training sequences only:

* complements: ``shelfwise.complements.build_complement_model`` as ``shelfwise train`` builds it;
  purchases are events one day apart (position × 1 day), so each purchase is its own basket and a
  purchase within the next 14 steps counts as "bought after" the earlier one,
* complements, co-purchase only: the same with ``category_weight`` and ``transfer_weight`` 0 (ablation),
* similar items: the complement model's ``similar_scores`` (title cosine; no views in this data),
* popularity: training-period purchase counts,
* popularity, other categories: the same, with the anchor's own category ranked last,
* context: item transitions (``TransitionModel``) on the anchor alone, and the same restricted to
  other categories.

    .venv/bin/python benchmarks/complements_beauty.py [--split test|valid] [--clusters 50] [--seed 0]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import os
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from shelfwise.complements import ComplementConfig, build_complement_model
from shelfwise.domain import Event, Item
from shelfwise.encoders import EmbeddingCache, EncoderSettings, choose_encoder
from shelfwise.evaluation.sequences import leave_last_two_out
from shelfwise.history import ItemIndex
from shelfwise.retrieval.base import TrainingData
from shelfwise.retrieval.transitions import TransitionModel

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "amazon2014_seqrec" / "beauty"
EMBEDDINGS = Path("/tmp/seqrec_cache/beauty_titles.npy")
K = 10
DAY = 86400.0
START = 1_400_000_000.0  # an arbitrary epoch for the synthetic timestamps (the data has none)
# Words too common in Beauty titles to tell clusters apart (only for printing the clusters).
STOPWORDS = frozenset({"and", "for", "with", "the", "of", "oz", "ounce", "fl", "in", "by", "to", "a", "pack"})


def load_sequences() -> tuple[list[np.ndarray], int]:
    """Lines ``user item item ...`` (1-based ids, time order) → 0-based sequences."""
    sequences = []
    with gzip.open(DATA / "s3rec_Beauty.txt.gz", "rt") as handle:
        for line in handle:
            sequences.append(np.array([int(x) - 1 for x in line.split()[1:]], dtype=np.int32))
    return sequences, max(int(s.max()) for s in sequences) + 1


def load_titles(n_items: int) -> list[str]:
    titles: dict[int, str] = {}
    with open(DATA / "items_derived.tsv", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        next(reader)
        for row in reader:
            titles[int(row[0])] = row[2] if len(row) > 2 else ""
    return [titles.get(i + 1, "") for i in range(n_items)]


def title_embeddings(titles: list[str]) -> np.ndarray:
    """The cached MiniLM title vectors (row i = item i + 1), or encode them (minutes on one thread)."""
    if EMBEDDINGS.exists():
        cached = np.load(EMBEDDINGS)
        if cached.shape[0] == len(titles):
            return cached.astype(np.float32)
    settings = EncoderSettings()
    cache = EmbeddingCache(choose_encoder("en", settings), settings.resolved_embedding_cache_dir())
    try:
        return np.asarray(cache.encode(titles, progress=True), dtype=np.float32)
    finally:
        cache.close()


def kmeans(vectors: np.ndarray, k: int, seed: int = 0, iterations: int = 30) -> np.ndarray:
    """Spherical k-means (vectors are L2-normalised) with k-means++ seeding; cluster id per row."""
    rng = np.random.default_rng(seed)
    centres = [vectors[rng.integers(len(vectors))]]
    closest = 1.0 - vectors @ centres[0]
    for _ in range(1, k):
        weights = np.maximum(closest, 0.0) ** 2
        centres.append(vectors[rng.choice(len(vectors), p=weights / weights.sum())])
        closest = np.minimum(closest, 1.0 - vectors @ centres[-1])
    matrix = np.stack(centres)
    assignment = np.zeros(len(vectors), dtype=np.int64)
    for _ in range(iterations):
        assignment = np.argmax(vectors @ matrix.T, axis=1)
        for c in range(k):
            members = vectors[assignment == c]
            if len(members):
                centre = members.mean(axis=0)
                matrix[c] = centre / max(float(np.linalg.norm(centre)), 1e-12)
    return assignment


def describe_clusters(titles: list[str], embeddings: np.ndarray, clusters: np.ndarray, show: int) -> None:
    """Each cluster's most frequent title words; for the ``show`` largest, the titles nearest its centre."""
    sizes = Counter(clusters.tolist())
    print(f"\n{len(sizes)} title clusters (size: frequent title words):")
    for rank, (cluster, size) in enumerate(sizes.most_common()):
        members = np.flatnonzero(clusters == cluster)
        words = Counter(
            w for i in members for w in set(re.findall(r"[a-z]+", titles[i].lower())) if w not in STOPWORDS
        )
        print(f"  c{cluster:02d} ({size:4d}): {', '.join(w for w, _ in words.most_common(6))}")
        if rank < show:
            centre = embeddings[members].mean(axis=0)
            nearest = members[np.argsort(-(embeddings[members] @ centre))[:3]]
            for i in nearest:
                print(f"         · {titles[i][:90]}")


@dataclass(frozen=True)
class Case:
    history: np.ndarray  # the user's items before the target; the last one is the anchor
    target: int

    @property
    def anchor(self) -> int:
        return int(self.history[-1])


def purchase_events(sequences: list[np.ndarray]) -> list[Event]:
    """One purchase per day per user: each is its own basket ("store receipt" of that day), and the
    14-day follow-up window of ``count_pairs`` becomes "within the next 14 purchases"."""
    events = [
        Event(f"u{user}", "purchase", START + step * DAY, item_id=str(item + 1), channel="web")
        for user, sequence in enumerate(sequences)
        for step, item in enumerate(sequence.tolist())
    ]
    events.sort(key=lambda e: e.timestamp)  # count_pairs wants chronological order
    return events


def rank_metrics(scores: np.ndarray, case: Case) -> tuple[float, float]:
    """HR@10 and NDCG@10 of the single target; history masked, ties count against the target."""
    scores = scores.astype(np.float64).copy()
    scores[case.history] = -np.inf
    value = scores[case.target]
    rank = int((scores > value).sum() + (scores == value).sum())  # 1-based, pessimistic
    return float(rank <= K), (1.0 / np.log2(rank + 1)) if rank <= K else 0.0


def bootstrap_diff(a: np.ndarray, b: np.ndarray, rounds: int = 2000, seed: int = 0) -> tuple[float, float]:
    """Paired bootstrap 95 % interval of mean(a − b) over cases (drawn in chunks to bound memory)."""
    rng = np.random.default_rng(seed)
    diff = a - b
    means = np.concatenate(
        [diff[rng.integers(0, len(diff), size=(100, len(diff)))].mean(axis=1) for _ in range(rounds // 100)]
    )
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--split", choices=["test", "valid"], default="test")
    parser.add_argument("--clusters", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0, help="k-means seed (a sensitivity check, not a knob)")
    parser.add_argument("--show-clusters", type=int, default=6, help="print titles of the N largest")
    args = parser.parse_args()

    started = time.perf_counter()
    sequences, n_items = load_sequences()
    split = leave_last_two_out(sequences)
    if args.split == "test":
        train, anchors_history, targets = split.train_plus_valid, split.train_plus_valid, split.test_targets
    else:
        train, anchors_history, targets = split.train, split.train, split.valid_targets
    titles = load_titles(n_items)
    embeddings = title_embeddings(titles)
    clusters = kmeans(embeddings, args.clusters, args.seed)
    describe_clusters(titles, embeddings, clusters, args.show_clusters)

    all_cases = [Case(h, int(t)) for h, t in zip(anchors_history, targets, strict=True)]
    cases = [c for c in all_cases if clusters[c.target] != clusters[c.anchor]]
    print(f"\nBeauty: {len(sequences)} users, {n_items} items, {sum(map(len, train))} training purchases; "
          f"split {args.split}: {len(cases)} of {len(all_cases)} cases cross-category "
          f"({len(cases) / len(all_cases):.1%})")  # fmt: skip

    t0 = time.perf_counter()
    items = [
        Item(str(i + 1), titles[i] or f"item {i + 1}", category=(f"c{clusters[i]:02d}",))
        for i in range(n_items)
    ]
    index = ItemIndex([item.item_id for item in items], np.ones(n_items, dtype=bool))
    events = purchase_events(train)
    model = build_complement_model(items, index, events, {}, embeddings)
    fit_s = time.perf_counter() - t0
    # Ablation: the item co-purchase term alone (no category relations, no transfer from text neighbours).
    no_category = ComplementConfig(category_weight=0.0, transfer_weight=0.0)
    co_purchase_only = build_complement_model(items, index, events, {}, embeddings, no_category)
    category_of = model.category_of  # the model's label ids; the same partition as ``clusters``
    transitions = TransitionModel()
    transitions.fit(TrainingData(n_items, train))
    popular = np.bincount(np.concatenate(train), minlength=n_items).astype(np.float64)

    def other_categories(scores: np.ndarray, anchor: int) -> np.ndarray:
        """The anchor's own category ranked below everything else, the order within kept."""
        out = scores.astype(np.float64).copy()
        own = category_of == category_of[anchor]
        out[own] = out[own] - (np.abs(out[np.isfinite(out)]).max() * 2 + 1)
        return out

    def transition_scores(anchor: int) -> np.ndarray:
        return transitions.score([np.array([anchor], dtype=np.int32)])[0]

    methods: dict[str, Callable[[int], np.ndarray]] = {
        "complements": lambda a: model.complement_scores([a]),
        "complements, co-purchase only (ablation)": lambda a: co_purchase_only.complement_scores([a]),
        "similar items": lambda a: model.similar_scores(a),
        "popularity": lambda a: popular,
        "popularity, other categories": lambda a: other_categories(popular, a),
        "transitions (context)": transition_scores,
        "transitions, other categories (context)": lambda a: other_categories(transition_scores(a), a),
    }
    results: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    timings: dict[str, float] = {}
    for name, scorer in methods.items():
        t0 = time.perf_counter()
        per_case = np.asarray([rank_metrics(scorer(case.anchor), case) for case in cases])
        timings[name] = (time.perf_counter() - t0) / max(len(cases), 1) * 1000
        results[name] = (per_case[:, 0], per_case[:, 1])

    print(f"\ncomplement model fit {fit_s:.1f}s ({model.m['confidence'].nnz} item pairs, "
          f"{len(model.category_names)} categories); {len(cases)} cases")  # fmt: skip
    print(f"{'method':<42} {'HR@10':>8} {'NDCG@10':>8} {'ms/case':>8}")  # ms: scoring + metrics
    for name, (hits, ndcg) in results.items():
        print(f"{name:<42} {hits.mean():>8.4f} {ndcg.mean():>8.4f} {timings[name]:>8.2f}")
    baselines = ["similar items", "popularity", "popularity, other categories"]
    best = max(baselines, key=lambda n: results[n][0].mean())
    for rival in (best, "transitions, other categories (context)"):
        for metric, column in (("HR@10", 0), ("NDCG@10", 1)):
            ours, theirs = results["complements"][column], results[rival][column]
            low, high = bootstrap_diff(ours, theirs)
            print(f"{metric} complements − {rival}: {ours.mean() - theirs.mean():+.4f} "
                  f"(95% paired bootstrap {low:+.4f} … {high:+.4f})")  # fmt: skip
    print(f"total {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    main()
