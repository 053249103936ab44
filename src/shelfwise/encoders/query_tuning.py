"""MiniLM's query side fine-tuned on a shop's search log, served as int8 ONNX.

Training (part of ``shelfwise train``, on CPU): contrastive learning on (query, product engaged
after it) pairs. For each pair the query is pulled toward its product and pushed away from the
batch's other products (in-batch negatives) and from products the lexical index ranks high for it
that nobody engaged with (hard negatives); softmax at temperature 0.05. Training starts from the
bundled all-MiniLM-L6-v2, is early-stopped on held-out queries (mean reciprocal rank of their
engaged products against the whole catalog, checked every few dozen steps; the check before the
first step is the pretrained model, so a log that teaches
nothing keeps it) and stops at a deadline.

Only the *query* side moves; products keep the vectors the pretrained model gave them. Re-encoding a
55k catalog with a fine-tuned model costs 7 minutes on an idle core and 40+ under load (docs/
search.md), more than a whole default ``train`` budget, and those vectors are also what the
recommender and the complement model read. With frozen product vectors the negatives cost nothing
to encode, the embedding cache stays valid and only the query encoder is stored with the version.

Serving: the fine-tuned transformer is exported and quantised exactly like the bundled one
(:func:`shelfwise.encoders.minilm_onnx.build_int8`, checked against its own fp32 vectors) into the
model version's folder, with the tokenizer and a ``query_encoder.json`` naming the item encoder it
was tuned against. torch is needed for training only.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from shelfwise.encoders.base import l2_normalise, limited_threads

ONNX_FILE = "query_encoder.int8.onnx"
META_FILE = "query_encoder.json"
TOKENIZER_FILE = "tokenizer.json"
NAME_PREFIX = "query-tuned-"


@dataclass(frozen=True)
class QueryTuningConfig:
    temperature: float = 0.05
    batch_size: int = 32
    learning_rate: float = 3e-5
    hard_negatives: int = 10  # per query and step, drawn from its unengaged lexical top results
    # Held-out checks: every ``check_every`` steps (batches drawn from reshuffled passes over the
    # training queries), stopping after ``patience`` checks without gain or ``max_checks``. On Home
    # Depot the held-out MRR peaked within the first pass and fell after it, so a check per pass
    # was too coarse.
    check_every: int = 40
    patience: int = 3
    max_checks: int = 30
    held_out_share: float = 0.1
    max_held_out: int = 400
    min_held_out: int = 20  # fewer: a small log validates on its training queries
    # Transformer layers updated, counted from the top (the word embeddings never move). Freezing
    # the lower ones barely saves time on short queries, where the forward pass dominates (a step of
    # 32 queries: 0.84 s training the top 2 layers, 0.91 s training all 6, loaded core), so all move.
    trainable_layers: int = 6
    max_length: int = 32  # word pieces of a query; longer queries are truncated


@dataclass(frozen=True)
class QueryLog:
    """What the search log teaches: distinct query texts (as search encodes them), the catalog rows
    engaged after each, and rows the lexical index ranks high for it that nobody engaged with."""

    queries: list[str]
    positives: list[np.ndarray]
    hard_negatives: list[np.ndarray]

    def __post_init__(self) -> None:
        if not len(self.queries) == len(self.positives) == len(self.hard_negatives):
            raise ValueError("queries, positives and hard_negatives must have one entry per query")

    @property
    def pairs(self) -> int:
        return int(sum(len(p) for p in self.positives))


@dataclass
class TuningResult:
    model: Any | None  # the fine-tuned SentenceTransformer; None when no check beat the pretrained one
    history: list[dict[str, float]] = field(default_factory=list)
    held_out_queries: int = 0
    pretrained_mrr: float = 0.0
    best_mrr: float = 0.0
    seconds: float = 0.0


def held_out_split(queries: Sequence[str], config: QueryTuningConfig) -> tuple[np.ndarray, np.ndarray]:
    """(train, held-out) query indices by a hash of the query text: stable from run to run, and a
    query is never on both sides. A log too small to hold any out validates on its training queries
    (early stopping then only guards against getting worse on them)."""
    buckets = np.array(
        [
            int.from_bytes(hashlib.blake2b(q.encode(), digest_size=4).digest(), "little") % 1000
            for q in queries
        ]
    )
    held = np.flatnonzero(buckets < config.held_out_share * 1000)[: config.max_held_out]
    train = np.setdiff1d(np.arange(len(queries)), held)
    if len(held) < config.min_held_out or len(train) == 0:
        return np.arange(len(queries)), np.arange(len(queries))
    return train, held


def mean_reciprocal_rank(
    query_vectors: np.ndarray, item_vectors: np.ndarray, positives: Sequence[np.ndarray], k: int = 100
) -> float:
    """Mean over queries of 1 / rank of the best-ranked engaged row among all items (0 beyond k).
    Unlike a recall@10 it still tells models apart on a catalog of a dozen items."""
    values = []
    for start in range(0, len(positives), 256):  # bounded memory: 256 × catalog scores at a time
        scores = query_vectors[start : start + 256] @ item_vectors.T
        for row, rows in zip(scores, positives[start : start + 256], strict=True):
            if len(rows):
                rank = int((row > row[rows].max()).sum())
                values.append(1.0 / (rank + 1) if rank < k else 0.0)
    return float(np.mean(values)) if values else 0.0


def _freeze_lower_layers(model: Any, trainable_layers: int) -> None:
    transformer = model[0].auto_model
    for parameter in transformer.embeddings.parameters():
        parameter.requires_grad = False
    layers = transformer.encoder.layer
    for layer in layers[: max(len(layers) - trainable_layers, 0)]:
        for parameter in layer.parameters():
            parameter.requires_grad = False


def _encode(model: Any, texts: Sequence[str]) -> np.ndarray:
    vectors = model.encode(
        list(texts), batch_size=64, show_progress_bar=False, convert_to_numpy=True, normalize_embeddings=True
    )
    return l2_normalise(vectors)


class _Trainer:
    """One contrastive step at a time over a batch of queries."""

    def __init__(
        self, model: Any, log: QueryLog, item_vectors: np.ndarray, config: QueryTuningConfig
    ) -> None:
        import torch

        self.model = model
        self.log = log
        self.config = config
        self.table = torch.from_numpy(np.ascontiguousarray(item_vectors, dtype=np.float32))
        trainable = [p for p in model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(trainable, lr=config.learning_rate, weight_decay=0.01)

    def step(self, batch: np.ndarray, rng: np.random.Generator) -> float:
        """``batch``: query indices. Each query is encoded once and learns from all its engaged rows:
        for every (query, engaged row) the competitors are the candidates the query did not engage
        with (the batch's other queries' products and its own hard negatives)."""
        import torch

        log, config = self.log, self.config
        parts = [log.positives[q] for q in batch]
        for q in batch:
            negatives = log.hard_negatives[q]
            parts.append(
                rng.choice(negatives, size=min(config.hard_negatives, len(negatives)), replace=False)
            )
        candidates = np.unique(np.concatenate(parts).astype(np.int64))
        engaged = torch.from_numpy(np.stack([np.isin(candidates, log.positives[q]) for q in batch]))
        # sentence-transformers 6 renamed ``tokenize`` to ``preprocess``; 3–5 only have the former.
        tokenize = getattr(self.model, "preprocess", None) or self.model.tokenize
        features = tokenize([log.queries[q] for q in batch])
        queries = torch.nn.functional.normalize(self.model(features)["sentence_embedding"], dim=-1)
        logits = queries @ self.table[torch.from_numpy(candidates)].T / config.temperature
        competitors = torch.logsumexp(logits.masked_fill(engaged, -1e4), dim=1, keepdim=True)
        # -log P(engaged row | itself and the non-engaged candidates), averaged over engaged pairs.
        log_likelihood = logits - torch.logaddexp(logits, competitors)
        loss = -(log_likelihood * engaged).sum() / engaged.sum()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return float(loss.item())


def _batches(train: np.ndarray, config: QueryTuningConfig, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Endless shuffled batches of training query indices, pass after pass."""
    while True:
        shuffled = train[rng.permutation(len(train))]
        for start in range(0, len(shuffled), config.batch_size):
            yield shuffled[start : start + config.batch_size]


def fit_query_encoder(
    log: QueryLog,
    item_vectors: np.ndarray,
    config: QueryTuningConfig | None = None,
    seed: int = 0,
    deadline: float = float("inf"),
    threads: int = 1,
) -> TuningResult:
    """Fine-tune the bundled MiniLM's query side on ``log`` against the frozen ``item_vectors``
    (rows as in the log). ``deadline`` is a ``time.monotonic()``; the best held-out check is kept."""
    import torch

    from shelfwise.encoders.minilm import load_sentence_transformer

    config = config or QueryTuningConfig()
    started = time.monotonic()
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    if not log.queries:
        raise ValueError("no queries to fine-tune on")
    train, held = held_out_split(log.queries, config)
    train = np.array([q for q in train if len(log.positives[q])], dtype=np.int64)
    if len(train) == 0:
        raise ValueError("no query has an engaged product to learn from")
    held_queries = [log.queries[q] for q in held]
    held_positives = [log.positives[q] for q in held]
    with limited_threads(threads):
        model = load_sentence_transformer(threads, config.max_length)
        _freeze_lower_layers(model, config.trainable_layers)
        trainer = _Trainer(model, log, item_vectors, config)

        def held_out_mrr() -> float:
            model.eval()
            with torch.no_grad():
                vectors = _encode(model, held_queries)
            return mean_reciprocal_rank(vectors, item_vectors, held_positives)

        pretrained = held_out_mrr()
        best_mrr, best_state, stale = pretrained, None, 0
        history = [{"step": 0.0, "loss": float("nan"), "held_out_mrr": pretrained}]
        batches = _batches(train, config, rng)
        for check in range(1, config.max_checks + 1):
            model.train()
            losses = []
            for batch in itertools.islice(batches, config.check_every):
                losses.append(trainer.step(batch, rng))
                if time.monotonic() > deadline:
                    break
            mrr = held_out_mrr()
            steps = float((check - 1) * config.check_every + len(losses))
            history.append({"step": steps, "loss": float(np.mean(losses)), "held_out_mrr": mrr})
            if mrr > best_mrr:
                best_mrr, stale = mrr, 0
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            else:
                stale += 1
            if stale >= config.patience or time.monotonic() > deadline:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
        model.eval()
    return TuningResult(
        model=model if best_state is not None else None,
        history=history,
        held_out_queries=len(held),
        pretrained_mrr=pretrained,
        best_mrr=best_mrr,
        seconds=time.monotonic() - started,
    )


def save_query_encoder(
    model: Any, directory: Path, items_encoder: str, history: Sequence[dict[str, float]], threads: int = 1
) -> TunedQueryEncoder | None:
    """Export ``model`` to int8 ONNX in ``directory`` and return it as a serving encoder; None (and
    nothing written) when the int8 model fails its check against the fine-tuned fp32 vectors."""
    from shelfwise.encoders.minilm import model_path
    from shelfwise.encoders.minilm_onnx import build_int8

    def reference(texts: list[str]) -> np.ndarray:
        return _encode(model, texts)

    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, limited_threads(threads):
        exported = Path(tmp)
        model[0].auto_model.save_pretrained(exported)
        shutil.copy(model_path() / TOKENIZER_FILE, exported / TOKENIZER_FILE)
        report = build_int8(exported, directory / ONNX_FILE, reference)
    if not report.passed:
        (directory / ONNX_FILE).unlink(missing_ok=True)
        return None
    shutil.copy(model_path() / TOKENIZER_FILE, directory / TOKENIZER_FILE)
    digest = hashlib.sha256((directory / ONNX_FILE).read_bytes()).hexdigest()[:12]
    meta = {
        # The weights' digest is in the name: the name keys cached query vectors and tells versions apart.
        "name": f"{NAME_PREFIX}{items_encoder}-{digest}",
        "items_encoder": items_encoder,
        "dim": int(reference(["dimension"]).shape[1]),
        "max_length": int(model.max_seq_length),
        "quality": asdict(report),
        "history": list(history),
    }
    (directory / META_FILE).write_text(json.dumps(meta, indent=2))
    return TunedQueryEncoder.load(directory, threads)


class TunedQueryEncoder:
    """The fine-tuned query encoder of one model version (int8 ONNX, mean pooling, 384-d)."""

    def __init__(self, directory: Path, meta: dict[str, Any], threads: int = 1) -> None:
        self.directory = directory
        self.name: str = meta["name"]
        self.dim: int = int(meta["dim"])
        self.items_encoder: str = meta["items_encoder"]
        self.history: list[dict[str, float]] = list(meta.get("history", []))
        self._max_length = int(meta["max_length"])
        self._threads = threads
        self._session: Any = None  # OnnxMiniLM, opened on first use

    @classmethod
    def load(cls, directory: Path, threads: int = 1) -> TunedQueryEncoder | None:
        """The encoder saved in ``directory``, or None when there is none (no fine-tuning)."""
        meta_file = directory / META_FILE
        if not meta_file.is_file() or not (directory / ONNX_FILE).is_file():
            return None
        return cls(directory, json.loads(meta_file.read_text()), threads)

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._session is None:
            from shelfwise.encoders.minilm_onnx import OnnxMiniLM

            self._session = OnnxMiniLM(
                self.directory / ONNX_FILE,
                self.directory / TOKENIZER_FILE,
                threads=self._threads,
                max_length=self._max_length,
            )
        # No threadpoolctl limit: the session has its own thread count, and the limit re-scans the
        # process's loaded libraries on every call (1–4 ms, a third of encoding one query).
        return self._session.encode(list(texts))
