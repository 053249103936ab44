"""Next-item recommendation on Amazon 2014 Beauty/Toys driven through the CLI, as a user would.

Protocol (leave-one-out): each user's last item is the test target and is NOT ingested; the rest
(train + the validation item) is ingested as purchases in order, at seeded times (see ``order_times``:
the data has no timestamps). Then ``shelfwise train`` and the
batch ``shelfwise recommend --users FILE -k 10 --raw --output OUT.jsonl`` (the model's own order) (history excluded by default),
and HR@10 / NDCG@10 against the held-out item. The transition baseline on the same split is
printed beside it.

    .venv/bin/python benchmarks/seqrec_cli.py --dataset beauty [--max-minutes 20]
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "amazon2014_seqrec"
SHELFWISE = Path(sys.executable).with_name("shelfwise")


def load(dataset: str) -> tuple[list[list[int]], dict[int, str]]:
    if dataset == "beauty":
        seq_path = DATA / "beauty" / "s3rec_Beauty.txt.gz"
        titles = {}
        for line in (DATA / "beauty" / "items_derived.tsv").read_text().splitlines()[1:]:
            item_id, _asin, title = [*line.split("\t"), "", ""][:3]
            titles[int(item_id)] = title.strip()
    else:
        seq_path = DATA / "toys" / "p5_sequential.txt.gz"
        id2item = json.loads(gzip.decompress((DATA / "toys" / "p5_datamaps.json.gz").read_bytes()))["id2item"]
        phrases = {}
        index_file = DATA / "toys" / "idgenrec_item_generative_indexing_phase_0.txt.gz"
        for line in gzip.decompress(index_file.read_bytes()).decode().splitlines():
            asin, _, text = line.strip().partition(" ")
            phrases[asin] = text
        titles = {int(i): phrases.get(asin, "") for i, asin in id2item.items()}
    sequences = []
    with gzip.open(seq_path, "rt") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) > 1:
                sequences.append([int(x) for x in parts[1:]])
    return sequences, titles


def order_times(sequences: list[list[int]], seed: int = 0) -> list[list[float]]:
    """The data has order but no times. Each customer starts on a random day of two years and places
    each next order 1–30 days later (seeded), so customers interleave as in a real shop. (Laying
    customers one after another, seconds apart, made every customer look like a burst of new
    accounts to the suspicious-activity filter.)"""
    rng = np.random.default_rng(seed)
    day = 86_400.0
    base = 1_400_000_000.0
    out = []
    for seq in sequences:
        start = base + rng.uniform(0, 730) * day
        gaps = np.concatenate([[0.0], np.cumsum(rng.uniform(1, 30, size=max(len(seq) - 1, 0)))])
        out.append([round(start + g * day, 3) for g in gaps])
    return out


def write_inputs(folder: Path, sequences: list[list[int]], titles: dict[int, str]) -> tuple[Path, Path, Path]:
    items = folder / "items.jsonl"
    with open(items, "w") as handle:
        for item_id in sorted({i for s in sequences for i in s} | set(titles)):
            title = titles.get(item_id) or f"item {item_id}"
            handle.write(json.dumps({"item_id": f"i{item_id}", "title": title}) + "\n")
    events = folder / "events.jsonl"
    users = folder / "users.txt"
    stamps = order_times(sequences)
    with open(events, "w") as ev, open(users, "w") as us:
        for n, seq in enumerate(sequences):
            user = f"u{n + 1}"
            us.write(user + "\n")
            for position, item_id in enumerate(seq[:-1]):  # the last item is the held-out test target
                ev.write(
                    json.dumps(
                        {
                            "user_id": user,
                            "item_id": f"i{item_id}",
                            "type": "purchase",
                            "timestamp": stamps[n][position],
                        }
                    )
                    + "\n"
                )
    return items, events, users


CPU_SECONDS: dict[str, float] = {}  # user + sys of each command, by its first argument


def shelfwise(env: dict[str, str], *args: str) -> float:
    """Wall seconds of one CLI command; its CPU seconds go to ``CPU_SECONDS`` (on a shared machine
    CPU time compares runs more fairly than wall time)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([str(SHELFWISE), *args], env=env, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    CPU_SECONDS[args[0]] = CPU_SECONDS.get(args[0], 0.0) + cpu
    return time.perf_counter() - start


def metrics(output: Path, sequences: list[list[int]], k: int = 10) -> dict[str, float]:
    hits, ndcg = 0.0, 0.0
    recommended = {}
    for line in output.read_text().splitlines():
        row = json.loads(line)
        recommended[row["user_id"]] = [it["item_id"] for it in row["items"]][:k]
    for n, seq in enumerate(sequences):
        top = recommended.get(f"u{n + 1}", [])
        target = f"i{seq[-1]}"
        if target in top:
            rank = top.index(target)
            hits += 1
            ndcg += 1 / math.log2(rank + 2)
    return {"HR@10": hits / len(sequences), "NDCG@10": ndcg / len(sequences)}


def transition_baseline(sequences: list[list[int]]) -> dict[str, float]:
    from shelfwise.evaluation.sequences import evaluate_sequences
    from shelfwise.retrieval import TrainingData
    from shelfwise.retrieval.transitions import TransitionModel

    n_items = max(max(s) for s in sequences) + 1
    train = [np.asarray(s[:-1], dtype=np.int32) for s in sequences]
    model = TransitionModel()
    model.fit(TrainingData(n_items=n_items, sequences=train))
    targets = np.asarray([s[-1] for s in sequences])
    return evaluate_sequences(model.score, train, targets, k=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", choices=["beauty", "toys"], default="beauty")
    parser.add_argument("--max-minutes", type=float, default=20.0)
    parser.add_argument("--keep", type=Path, help="keep the SHELFWISE_HOME here")
    args = parser.parse_args()
    sequences, titles = load(args.dataset)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        home = args.keep or folder / "home"
        env = {**os.environ, "SHELFWISE_HOME": str(home)}
        items, events, users = write_inputs(folder, sequences, titles)
        timings = {
            "ingest_items_s": shelfwise(env, "ingest", "items", str(items)),
            "ingest_events_s": shelfwise(env, "ingest", "events", str(events)),
            "train_s": shelfwise(env, "train", "--max-minutes", str(args.max_minutes)),
        }
        output = folder / "recs.jsonl"
        timings["recommend_s"] = shelfwise(
            env, "recommend", "--users", str(users), "-k", "10", "--raw", "--output", str(output)
        )
        ours = metrics(output, sequences)
    base = transition_baseline(sequences)
    print(f"dataset: {args.dataset}, users: {len(sequences)}")
    print(f"transition baseline: HR@10 {base['hr@10']:.4f}  NDCG@10 {base['ndcg@10']:.4f}")
    print(f"shelfwise (CLI):     HR@10 {ours['HR@10']:.4f}  NDCG@10 {ours['NDCG@10']:.4f}")
    print(
        f"ratio NDCG@10: {ours['NDCG@10'] / base['ndcg@10']:.3f}  HR@10: {ours['HR@10'] / base['hr@10']:.3f}"
    )
    print("timings: " + ", ".join(f"{k} {v:.0f}s" for k, v in timings.items()))
    print("cpu (user+sys): " + ", ".join(f"{k} {v:.0f}s" for k, v in CPU_SECONDS.items()))
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
