"""Candidate generation and per-candidate features for the learned next-item ranker.

Everything here is computed from the fitted :class:`ItemStatistics` and a batch of histories, so the
same code builds training rows (histories before the held-out item) and serving rows (full histories).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from shelfwise.engine import Engine, LocalEngine, map_combine
from shelfwise.retrieval.transitions import (
    TransitionConfig,
    TransitionModel,
    csr_values,
    customer_follow_counts,
    item_counts,
    normalise_rows,
    pair_counts,
    sum_matrices,
)

FEATURE_NAMES: list[str] = [
    "baseline_score",
    "baseline_rank",
    "baseline_share",
    "forward_last1",
    "forward_last2",
    "forward_last3",
    "next_last1",
    "reverse_last1",
    "reverse_last2",
    "cooccur_history_sum",
    "cooccur_history_max",
    "cosine_last1",
    "cosine_last2",
    "cosine_last3",
    "cosine_history_mean",
    "cosine_history_max",
    "content_rank",
    "log_count",
    "log_count_last1",
    "history_length",
    "candidate_in_degree",
    "neural_score",
    "neural_gap",
    "neural_rank",
    "adapted_cosine_last1",
    "adapted_cosine_history_max",
]

# Features a model fitted on the training targets would leak when those targets are labels.
FOLLOW_GAP = 5  # steps after an item within which a later one counts as "chosen soon after"
NEURAL_FEATURES = ("neural_score", "neural_gap", "neural_rank")
ADAPTED_FEATURES = ("adapted_cosine_last1", "adapted_cosine_history_max")


@dataclass
class CandidateConfig:
    from_transitions: int = 150
    from_content: int = 50
    from_neural: int = 30  # only when a neural sequence model is part of the ranker
    cooccur_gap: int = 20


@dataclass
class ItemStatistics:
    """Item-item statistics fitted on sequences; the only state features depend on."""

    baseline: TransitionModel
    forward: sp.csr_matrix  # gap-decayed a→b, row-normalised to probabilities
    next_item: sp.csr_matrix  # immediate a→b only, row-normalised
    reverse: sp.csr_matrix  # b→a (what was bought before), row-normalised
    cooccur: sp.csr_matrix  # same-sequence pairs within cooccur_gap, both orders, sqrt-normalised
    counts: np.ndarray
    in_degree: np.ndarray  # distinct predecessors of each item
    # Customers who engaged with b within 5 steps after a: the counts reasons quote (not a feature).
    follows: sp.csr_matrix | None = None

    def __post_init__(self) -> None:
        # Sorted rows once, where the statistics are made (fit) or read (load): summed or loaded
        # matrices come unsorted, and a sorted copy per call would cost more than the read itself.
        # Here, not in the feature code: on Ray the workers' copies are read-only.
        for matrix in (self.forward, self.next_item, self.reverse, self.cooccur, self.follows):
            if matrix is not None and not matrix.has_canonical_format:
                matrix.sum_duplicates()

    @classmethod
    def fit(
        cls,
        sequences: Sequence[np.ndarray],
        n_items: int,
        baseline_config: TransitionConfig,
        candidate_config: CandidateConfig,
        engine: Engine | None = None,
    ) -> ItemStatistics:
        """Every count in one pass over the engine's shards of customers, then normalised here."""
        gaps = _pair_specs(baseline_config, candidate_config)
        counted = map_combine(
            engine or LocalEngine(), _count_shard, sequences, (n_items, gaps), _add_shard_counts
        )
        pairs, follows, counts = counted
        forward_counts, next_counts, far = pairs[gaps[1]], pairs[gaps[2]], pairs[gaps[3]]
        baseline = TransitionModel(baseline_config)
        baseline.set_counts(pairs[gaps[0]], counts)
        return cls(
            baseline=baseline,
            forward=normalise_rows(forward_counts, 1.0),
            next_item=normalise_rows(next_counts, 1.0),
            reverse=normalise_rows(forward_counts.T.tocsr(), 1.0),
            cooccur=normalise_rows((far + far.T).tocsr(), 0.5),
            counts=counts,
            in_degree=np.diff(next_counts.tocsc().indptr).astype(np.float32),
            follows=follows,
        )

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.baseline.save(directory / "baseline")
        for name in ("forward", "next_item", "reverse", "cooccur"):
            sp.save_npz(directory / f"{name}.npz", getattr(self, name))
        np.save(directory / "counts.npy", self.counts)
        np.save(directory / "in_degree.npy", self.in_degree)
        if self.follows is not None:
            sp.save_npz(directory / "follows.npz", self.follows)

    @classmethod
    def load(cls, directory: Path) -> ItemStatistics:
        return cls(
            baseline=TransitionModel.load(directory / "baseline"),
            forward=sp.load_npz(directory / "forward.npz").tocsr(),
            next_item=sp.load_npz(directory / "next_item.npz").tocsr(),
            reverse=sp.load_npz(directory / "reverse.npz").tocsr(),
            cooccur=sp.load_npz(directory / "cooccur.npz").tocsr(),
            counts=np.load(directory / "counts.npy"),
            in_degree=np.load(directory / "in_degree.npy"),
            follows=sp.load_npz(directory / "follows.npz").tocsr()
            if (directory / "follows.npz").exists()
            else None,
        )


PairSpec = tuple[int, float]  # (max_gap, decay) of one pair_counts
ShardCounts = tuple[dict[PairSpec, sp.csr_matrix], sp.csr_matrix, np.ndarray]


def _pair_specs(baseline: TransitionConfig, candidates: CandidateConfig) -> list[PairSpec]:
    """The pair counts statistics need: baseline, forward, next item, co-occurrence."""
    return [(baseline.max_gap, baseline.decay), (5, 0.6), (1, 1.0), (candidates.cooccur_gap, 1.0)]


def _count_shard(sequences: Sequence[np.ndarray], spec: tuple[int, list[PairSpec]]) -> ShardCounts:
    """One shard's counts (the baseline's pairs are counted once when they equal the forward ones)."""
    n_items, gaps = spec
    pairs = {gap: pair_counts(sequences, n_items, *gap) for gap in dict.fromkeys(gaps)}
    return pairs, customer_follow_counts(sequences, n_items, FOLLOW_GAP), item_counts(sequences, n_items)


def _add_shard_counts(parts: list[ShardCounts]) -> ShardCounts:
    """Counts over disjoint customers add up (the follow counts too: one customer, one shard)."""
    pairs = {gap: sum_matrices([p[0][gap] for p in parts]) for gap in parts[0][0]}
    follows = sum_matrices([p[1] for p in parts])
    return pairs, follows, np.sum([p[2] for p in parts], axis=0).astype(np.float32)


@dataclass
class CandidateBatch:
    candidates: np.ndarray  # (batch, n_candidates) item indices
    features: np.ndarray  # (batch, n_candidates, n_features) float32
    baseline_scores: np.ndarray  # (batch, n_items) for ordering the items outside the candidates


def _last(histories: Sequence[np.ndarray], back: int) -> tuple[np.ndarray, np.ndarray]:
    """Item ``back`` positions from the end of each history (0 = newest) and whether it exists."""
    present = np.array([len(h) > back for h in histories])
    items = np.array([int(h[len(h) - 1 - back]) if len(h) > back else 0 for h in histories], dtype=np.int64)
    return items, present


def _gather_rows(
    matrix: sp.csr_matrix, items: np.ndarray, present: np.ndarray, candidates: np.ndarray
) -> np.ndarray:
    """``matrix[items[b], candidates[b, k]]`` (0 where ``present[b]`` is False).

    Read straight from the CSR arrays through one reused dense row: slicing ``matrix[items]`` and
    densifying it cost a (batch × n_items) array and scipy's index checks on every request."""
    if not matrix.has_canonical_format:
        # ItemStatistics sorts its matrices once; another caller's matrix may have duplicate
        # entries, which the direct read below would not sum (a copy: it may be read-only).
        matrix = matrix.copy()
        matrix.sum_duplicates()
    out = np.zeros(candidates.shape, dtype=matrix.dtype)
    row = np.zeros(matrix.shape[1], dtype=matrix.dtype)
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    for b in np.flatnonzero(present):
        start, end = indptr[items[b]], indptr[items[b] + 1]
        columns = indices[start:end]
        row[columns] = data[start:end]
        out[b] = row[candidates[b]]
        row[columns] = 0
    return out


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Per row, the ``k`` highest-scoring columns, best first (ties at the cut in no set order).

    torch's top-k selection: numpy's ``argpartition`` over a (512 × 12,101) batch was a third of
    the time of building the ranker's training rows (docs/performance.md)."""
    import torch  # the ranker's SASRec already loads it; the statistics alone do not need it

    k = min(k, scores.shape[1])
    top = torch.topk(torch.from_numpy(np.ascontiguousarray(scores)), k, dim=1, sorted=False).indices.numpy()
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)


def _rank_of(candidates: np.ndarray, ranked: np.ndarray, missing: float) -> np.ndarray:
    """Position of each candidate in a per-row ranked list (``missing`` when absent).

    One sorted search over (row, item) keys for the whole batch: a dictionary per row was a
    tenth of the time of building a training batch."""
    n = int(max(ranked.max(initial=0), candidates.max(initial=0))) + 1
    rows = np.arange(len(ranked), dtype=np.int64)[:, None]
    keys = (rows * n + ranked).ravel()
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    positions = np.broadcast_to(np.arange(ranked.shape[1]), ranked.shape).ravel()[order]
    wanted = (rows * n + candidates).ravel()
    if not len(sorted_keys):
        return np.full(candidates.shape, missing, dtype=np.float32)
    at = np.minimum(np.searchsorted(sorted_keys, wanted), len(sorted_keys) - 1)
    found = sorted_keys[at] == wanted
    return np.where(found, positions[at], missing).astype(np.float32).reshape(candidates.shape)


def _first_not_in(ranked: np.ndarray, taken: np.ndarray, k: int, n_items: int) -> np.ndarray:
    """Per row, the first ``k`` items of ``ranked`` that are not in ``taken``."""
    mask = np.zeros((len(ranked), n_items), dtype=bool)
    np.put_along_axis(mask, taken, True, axis=1)
    skipped = np.take_along_axis(mask, ranked, axis=1)
    first = np.argsort(skipped, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(ranked, first, axis=1)


def _history_similarities(
    vectors: np.ndarray, histories: Sequence[np.ndarray], candidates: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cosines of each candidate with the last three history items (0 where absent), and their
    mean and max over the last 20. One (20 × candidates) product per row: gathering a (batch ×
    candidates × dim) array first cost ~180 MB and half the time of a training batch."""
    batch, n_cand = candidates.shape
    last = np.zeros((3, batch, n_cand), dtype=np.float32)
    mean = np.zeros((batch, n_cand), dtype=np.float32)
    best = np.zeros((batch, n_cand), dtype=np.float32)
    for row, hist in enumerate(histories):
        if not len(hist):
            continue
        sims = vectors[hist[-20:]] @ vectors[candidates[row]].T
        mean[row] = sims.mean(axis=0)
        best[row] = sims.max(axis=0)
        for back in range(min(3, len(sims))):
            last[back, row] = sims[-1 - back]
    return last, mean, best


def build_candidates(
    stats: ItemStatistics,
    embeddings: np.ndarray | None,
    histories: Sequence[np.ndarray],
    config: CandidateConfig,
    neural_scores: np.ndarray | None = None,
    adapted: np.ndarray | None = None,
    embeddings_t: np.ndarray | None = None,
) -> CandidateBatch:
    """Top transition items plus text neighbours of the recent items, with one feature row each.

    ``neural_scores`` (batch, n_items) from a sequence model adds its own top items and three features;
    ``adapted`` (n_items, d), the text embeddings after the behaviour adapter, adds two cosine features.
    ``embeddings_t``: ``embeddings.T`` stored contiguously, when the caller keeps one (serving).
    """
    batch = len(histories)
    n_items = stats.counts.shape[0]
    baseline = stats.baseline.score(histories)
    masked = baseline.copy()
    for row, hist in enumerate(histories):
        masked[row, hist] = -np.inf
    # Small catalogues: every item is a transition candidate and the text source adds nothing new.
    n_from_transitions = min(config.from_transitions, n_items)
    n_from_content = min(config.from_content, n_items - n_from_transitions)
    from_transitions = _top_k(masked, n_from_transitions)

    lasts = [_last(histories, back) for back in range(3)]
    lengths = np.array([len(h) for h in histories], dtype=np.float32)
    if embeddings is not None and n_from_content > 0:
        profile = np.zeros((batch, embeddings.shape[1]), dtype=np.float32)
        for back, (items, present) in enumerate(lasts):
            profile += (0.5**back) * embeddings[items] * present[:, None]
        # Against the transposed table laid out contiguously: for one customer (a vector times the
        # 12k × 384 table) that is ~3× faster than reading ``embeddings.T`` (measured 1.6 vs 4.5 ms);
        # only the order of these scores is used (candidates and their content rank).
        if embeddings_t is None:
            embeddings_t = np.ascontiguousarray(embeddings.T)
        content = profile @ embeddings_t
        content_masked = content.copy()
        for row, hist in enumerate(histories):
            content_masked[row, hist] = -np.inf
        content_ranked = _top_k(content_masked, n_from_transitions + n_from_content)
        # The text neighbours outside the transition candidates are within that top list.
        from_content = _first_not_in(content_ranked, from_transitions, n_from_content, n_items)
        candidates = np.concatenate([from_transitions, from_content], axis=1)
    else:
        candidates = from_transitions
    if neural_scores is not None:
        n_from_neural = min(config.from_neural, n_items - candidates.shape[1])
        neural_masked = neural_scores.copy()
        for row, hist in enumerate(histories):
            neural_masked[row, hist] = -np.inf
        np.put_along_axis(neural_masked, candidates, -np.inf, axis=1)
        if n_from_neural > 0:
            candidates = np.concatenate([candidates, _top_k(neural_masked, n_from_neural)], axis=1)
    n_cand = candidates.shape[1]

    columns: dict[str, np.ndarray] = {}
    base_at = np.take_along_axis(baseline, candidates, axis=1)
    columns["baseline_score"] = base_at
    columns["baseline_rank"] = np.broadcast_to(np.arange(n_cand, dtype=np.float32), (batch, n_cand)).copy()
    columns["baseline_rank"][:, n_from_transitions:] = n_from_transitions
    columns["baseline_share"] = base_at / np.maximum(base_at.max(axis=1, keepdims=True), 1e-9)
    for back in range(3):
        items, present = lasts[back]
        columns[f"forward_last{back + 1}"] = _gather_rows(stats.forward, items, present, candidates)
    columns["next_last1"] = _gather_rows(stats.next_item, *lasts[0], candidates)
    columns["reverse_last1"] = _gather_rows(stats.reverse, *lasts[0], candidates)
    columns["reverse_last2"] = _gather_rows(stats.reverse, *lasts[1], candidates)

    cooc_sum = np.zeros((batch, n_cand), dtype=np.float32)
    cooc_max = np.zeros((batch, n_cand), dtype=np.float32)
    for row, hist in enumerate(histories):
        if len(hist):
            # Read straight from the CSR arrays: scipy's two fancy slices cost more than the sums.
            block = csr_values(stats.cooccur, hist[-20:], candidates[row]).astype(np.float32)
            cooc_sum[row] = block.sum(axis=0)
            cooc_max[row] = block.max(axis=0)
    columns["cooccur_history_sum"] = cooc_sum
    columns["cooccur_history_max"] = cooc_max

    if embeddings is not None:
        if n_from_content == 0:
            profile = np.zeros((batch, embeddings.shape[1]), dtype=np.float32)
            for back, (items, present) in enumerate(lasts):
                profile += (0.5**back) * embeddings[items] * present[:, None]
            content_ranked = _top_k(profile @ embeddings.T, n_items)
        last_cos, mean_cos, max_cos = _history_similarities(embeddings, histories, candidates)
        for back in range(3):
            columns[f"cosine_last{back + 1}"] = last_cos[back]
        columns["cosine_history_mean"] = mean_cos
        columns["cosine_history_max"] = max_cos
        columns["content_rank"] = _rank_of(candidates, content_ranked, float(content_ranked.shape[1]))
    else:
        for name in (
            "cosine_last1",
            "cosine_last2",
            "cosine_last3",
            "cosine_history_mean",
            "cosine_history_max",
        ):
            columns[name] = np.zeros((batch, n_cand), dtype=np.float32)
        columns["content_rank"] = np.full((batch, n_cand), -1.0, dtype=np.float32)

    columns["log_count"] = np.log1p(stats.counts[candidates])
    columns["log_count_last1"] = np.broadcast_to(
        np.where(lasts[0][1], np.log1p(stats.counts[lasts[0][0]]), -1.0)[:, None], (batch, n_cand)
    )
    columns["history_length"] = np.broadcast_to(lengths[:, None], (batch, n_cand))
    columns["candidate_in_degree"] = np.log1p(stats.in_degree[candidates])
    if neural_scores is not None:
        at = np.take_along_axis(neural_scores, candidates, axis=1)
        columns["neural_score"] = at
        columns["neural_gap"] = at - neural_scores.max(axis=1, keepdims=True)
        ordered = np.sort(neural_scores, axis=1)
        columns["neural_rank"] = np.stack(
            [n_items - np.searchsorted(ordered[row], at[row], side="right") for row in range(batch)]
        ).astype(np.float32)
    else:
        for name in ("neural_score", "neural_gap", "neural_rank"):
            columns[name] = np.zeros((batch, n_cand), dtype=np.float32)
    if adapted is not None:
        last_adapted, _, best_adapted = _history_similarities(adapted, histories, candidates)
        columns["adapted_cosine_last1"] = last_adapted[0]
        columns["adapted_cosine_history_max"] = best_adapted
    else:
        for name in ADAPTED_FEATURES:
            columns[name] = np.zeros((batch, n_cand), dtype=np.float32)
    features = np.stack([columns[name].astype(np.float32) for name in FEATURE_NAMES], axis=2)
    return CandidateBatch(candidates=candidates, features=features, baseline_scores=baseline)
