"""Encoder benchmarks: speed per CPU path, int8-vs-fp32 quality, and the behaviour adapter's effect.

Run: .venv/bin/python benchmarks/encoders.py [--speed-texts 2000] [--adapter-minutes 4]
Needs ../shared/data (Amazon Beauty). Everything runs at 1 thread.

Adapter protocol (Amazon Beauty, S3-Rec split): leave-one-out, the last item of each sequence is
the test target; the adapter is fitted on the sequences without their last item. Prediction = the
nearest neighbours of the last history item's embedding; history items other than the target are
masked; items scoring equal to the target count against it. Cold view: test targets with ≤ 2
interactions in the training part.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import os
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np

from shelfwise.encoders import TextEncoder, encode
from shelfwise.encoders.adapter import fit_adapter
from shelfwise.encoders.minilm import MiniLMEncoder
from shelfwise.encoders.multilingual import MultilingualUSEEncoder

BEAUTY = Path(__file__).resolve().parents[2] / "shared" / "data" / "amazon2014_seqrec" / "beauty"
EMBEDDING_FILE = Path("/tmp/seqrec_cache/beauty_minilm.npy")


def load_beauty() -> tuple[list[str], list[np.ndarray]]:
    """Titles (row i-1 = item id i) and sequences of 0-based item rows."""
    titles: dict[int, str] = {}
    with open(BEAUTY / "items_derived.tsv", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            titles[int(row["item_id"])] = row["title"] or row["asin"]
    n_items = max(titles)
    title_list = [titles.get(i, "") for i in range(1, n_items + 1)]
    sequences = []
    with gzip.open(BEAUTY / "s3rec_Beauty.txt.gz", "rt") as handle:
        for line in handle:
            parts = line.split()
            sequences.append(np.array([int(x) - 1 for x in parts[1:]], dtype=np.int64))
    return title_list, sequences


def throughput(encoder: TextEncoder, texts: list[str]) -> tuple[float, np.ndarray]:
    encoder.encode_batch(texts[:8])  # load the model outside the timed part
    start = time.perf_counter()
    vectors = encode(encoder, texts, batch_size=64, progress=False, threads=1)
    return len(texts) / (time.perf_counter() - start), vectors


def beauty_embeddings(titles: list[str]) -> np.ndarray:
    """fp32 MiniLM title embeddings, shared through /tmp/seqrec_cache (written atomically)."""
    if EMBEDDING_FILE.is_file():
        cached = np.load(EMBEDDING_FILE)
        if cached.shape == (len(titles), 384):
            print(f"reusing {EMBEDDING_FILE}")
            return cached
    vectors = encode(MiniLMEncoder(backend="torch"), titles, batch_size=64, progress=True)
    EMBEDDING_FILE.parent.mkdir(parents=True, exist_ok=True)
    temporary = EMBEDDING_FILE.with_name(f".{EMBEDDING_FILE.stem}.{os.getpid()}.tmp.npy")
    np.save(temporary, vectors)
    os.replace(temporary, EMBEDDING_FILE)
    return vectors


def next_item_metrics(
    embeddings: np.ndarray, sequences: list[np.ndarray], counts: np.ndarray, k: int = 10
) -> dict[str, float]:
    ranks = []
    cold = []
    for start in range(0, len(sequences), 2048):
        chunk = sequences[start : start + 2048]
        queries = np.array([s[-2] for s in chunk])
        targets = np.array([s[-1] for s in chunk])
        scores = embeddings[queries] @ embeddings.T
        for row, sequence in enumerate(chunk):
            history = sequence[:-1]
            scores[row, history[history != targets[row]]] = -np.inf
        target_scores = scores[np.arange(len(chunk)), targets]
        ranks.append(
            (scores > target_scores[:, None]).sum(axis=1) + (scores == target_scores[:, None]).sum(axis=1) - 1
        )
        cold.append(counts[targets] <= 2)
    rank = np.concatenate(ranks)
    is_cold = np.concatenate(cold)
    hit = rank < k
    ndcg = np.where(hit, 1.0 / np.log2(rank + 2.0), 0.0)
    return {
        "HR@10": float(hit.mean()),
        "NDCG@10": float(ndcg.mean()),
        "cold HR@10": float(hit[is_cold].mean()),
        "cold NDCG@10": float(ndcg[is_cold].mean()),
        "cold targets": float(is_cold.sum()),
        "users": float(len(rank)),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--speed-texts", type=int, default=2000)
    parser.add_argument("--adapter-minutes", type=float, default=4.0)
    parser.add_argument("--hidden-dim", type=int, default=1024, help="0 = residual linear adapter")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-adapter", action="store_true")
    args = parser.parse_args()

    titles, sequences = load_beauty()
    print(f"Beauty: {len(titles)} items, {len(sequences)} sequences")

    if not args.skip_speed:
        sample = [t for t in titles if t][: args.speed_texts]
        print(f"\n== speed, {len(sample)} Beauty titles, batch 64, 1 thread ==")
        torch_rate, fp32 = throughput(MiniLMEncoder(backend="torch"), sample)
        print(f"MiniLM torch fp32       {torch_rate:7.0f} sent/s")
        onnx_rate, int8 = throughput(MiniLMEncoder(backend="onnx-int8"), sample)
        print(f"MiniLM onnx int8        {onnx_rate:7.0f} sent/s  ({onnx_rate / torch_rate:.1f}x)")
        cosine = np.sum(fp32 * int8, axis=1)
        print(
            f"  cos int8 vs fp32: mean {cosine.mean():.4f}, min {cosine.min():.4f}, p1 {np.percentile(cosine, 1):.4f}"
        )
        fp_nn = np.argsort(-(fp32 @ fp32.T), axis=1)[:, 1:11]
        q_nn = np.argsort(-(int8 @ int8.T), axis=1)[:, 1:11]
        overlap = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(fp_nn, q_nn, strict=True)])
        print(f"  top-10 neighbour overlap int8 vs fp32: {overlap:.3f}")
        use_rate, _ = throughput(MultilingualUSEEncoder(), sample)
        print(f"USE multilingual numpy  {use_rate:7.0f} sent/s")

    if args.skip_adapter:
        return
    print("\n== adapter: next item = nearest neighbours of the last history item ==")
    embeddings = beauty_embeddings(titles)
    training = [s[:-1] for s in sequences]
    counts = np.bincount(np.concatenate(training), minlength=len(titles))
    from shelfwise.encoders.adapter import AdapterConfig

    config = AdapterConfig(hidden_dim=args.hidden_dim or None)
    start = time.perf_counter()
    adapter = fit_adapter(embeddings, training, seed=0, max_minutes=args.adapter_minutes, config=config)
    print(f"fit: {time.perf_counter() - start:.0f} s, {len(adapter.history) - 1} epochs")
    for entry in adapter.history:
        print(
            f"  epoch {entry['epoch']:.0f}: loss {entry['loss']:.3f} held-out R@10 {entry['held_out_recall@10']:.4f}"
        )
    frozen = next_item_metrics(embeddings, sequences, counts)
    adapted = next_item_metrics(adapter.transform(embeddings), sequences, counts)
    print(f"{'':14s}{'frozen':>10s}{'adapted':>10s}")
    for key in frozen:
        print(f"{key:14s}{frozen[key]:10.4f}{adapted[key]:10.4f}")


if __name__ == "__main__":
    main()
