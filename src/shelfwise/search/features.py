"""Hybrid retrieval and the candidate features: one definition for serving and for training.

Retrieval takes the top candidates of three retrievers (word BM25, character n-grams, embedding
cosine) and unions them. Every candidate then gets all three scores (cosine is computed for each;
a lexical score outside its top list counts as 0), the text-match facts, the behaviour of previous
searchers and the catalog's popularity. The unlearned fusion is the weighted sum measured best on
Home Depot's train queries (0.8·BM25/max + 0.4·n-grams/max + 1.0·cosine, docs/search.md); the learned
reranker (LightGBM lambdarank) reads the whole feature row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from shelfwise.search.behaviour import BehaviourStats
from shelfwise.search.index import Row, SearchIndex
from shelfwise.search.query import ParsedQuery
from shelfwise.search.text import numbers

# Chosen on the Home Depot *train* queries (docs/search.md): this BM25 (stemming, units, spelling)
# is much stronger than plain BM25, so it weighs more than in docs/measurements.md's 0.4/0.7/0.6.
FUSION_WEIGHTS = {"words": 0.8, "grams": 0.4, "dense": 1.0}
MISSING_RANK = 1000.0

FEATURE_NAMES: tuple[str, ...] = (
    "bm25",
    "bm25_rel",
    "bm25_rank",
    "grams",
    "grams_rel",
    "grams_rank",
    "cosine",
    "cosine_rel",
    "dense_rank",
    "fused",
    "coverage",
    "all_terms",
    "number_share",
    "number_missing",
    "unit_share",
    "title_length",
    "query_terms",
    "brand_match",
    "colour_match",
    "category_match",
    "intent",
    "popularity",
    "qi_impressions",
    "qi_clicks",
    "qi_purchases",
    "qi_ctr",
    "term_association",
    "search_ctr",
    "log_price",
)


@dataclass(frozen=True)
class Candidates:
    rows: np.ndarray  # int64 rows of the search index
    bm25: np.ndarray
    grams: np.ndarray
    cosine: np.ndarray
    ranks: np.ndarray  # (n, 3): rank in words / grams / dense lists (MISSING_RANK outside)
    terms: tuple[str, ...]  # the stemmed query terms BM25 used
    # Best bm25 / n-gram / cosine of the full list (None: this is the full list).
    reference: tuple[float, float, float] | None = None

    @property
    def fused(self) -> np.ndarray:
        return fusion_score(self.bm25, self.grams, self.cosine, self.reference)

    def subset(self, keep: np.ndarray) -> Candidates:
        """Some of the candidates. Relative features stay relative to the whole list's best,
        because the full list is what serving sees: the top scores ride along as a reference."""
        return Candidates(
            self.rows[keep],
            self.bm25[keep],
            self.grams[keep],
            self.cosine[keep],
            self.ranks[keep],
            self.terms,
            (self.bm25.max(initial=0.0), self.grams.max(initial=0.0), self.cosine.max(initial=0.0)),
        )


def _relative(scores: np.ndarray, top: float | None = None) -> np.ndarray:
    if top is None:
        top = float(scores.max()) if scores.size else 0.0
    return scores / top if top > 0 else np.zeros_like(scores)


def fusion_score(
    bm25: np.ndarray,
    grams: np.ndarray,
    cosine: np.ndarray,
    reference: tuple[float, float, float] | None = None,
) -> np.ndarray:
    w = FUSION_WEIGHTS
    top_words, top_grams = (reference[0], reference[1]) if reference else (None, None)
    return (
        w["words"] * _relative(bm25, top_words)
        + w["grams"] * _relative(grams, top_grams)
        + w["dense"] * cosine
    )


def retrieve(
    index: SearchIndex, query: ParsedQuery, per_source: int, extra_rows: np.ndarray | None = None
) -> Candidates:
    """Union of the three retrievers' top lists (plus ``extra_rows``, used in training)."""
    text = query.text
    word_hits = index.lexical.search_words(query.tokens, per_source, query.expansions)
    gram_hits = index.lexical.search_grams(text, per_source)
    vector = index.encode_query(text) if index.dense is not None else None
    if vector is not None and index.dense is not None and len(index.dense):
        dense_rows, _ = index.dense.top(vector, per_source)
    else:
        dense_rows = np.zeros(0, dtype=np.int64)
    parts = [word_hits.rows, gram_hits.rows, dense_rows]
    if extra_rows is not None:
        parts.append(extra_rows.astype(np.int64))
    rows = np.unique(np.concatenate(parts)) if any(len(p) for p in parts) else np.zeros(0, dtype=np.int64)
    bm25 = np.zeros(len(rows), dtype=np.float32)
    grams = np.zeros(len(rows), dtype=np.float32)
    ranks = np.full((len(rows), 3), MISSING_RANK, dtype=np.float32)
    for column, (hit_rows, scores, target) in enumerate(
        (
            (word_hits.rows, word_hits.scores, bm25),
            (gram_hits.rows, gram_hits.scores, grams),
            (dense_rows, None, None),
        )
    ):
        # ``rows`` is sorted and holds every hit: a sorted search places a whole list at once.
        at = np.searchsorted(rows, np.asarray(hit_rows, dtype=np.int64))
        ranks[at, column] = np.arange(len(at), dtype=np.float32)
        if target is not None and scores is not None:
            target[at] = np.asarray(scores, dtype=np.float32)[: len(at)]
    if vector is not None and index.dense is not None and len(rows):
        cosine = index.dense.vectors(rows) @ vector
    else:
        cosine = np.zeros(len(rows), dtype=np.float32)
    terms = tuple(index.lexical.word_terms(query.tokens))
    return Candidates(rows, bm25, grams, cosine.astype(np.float32), ranks, terms)


def intent_distribution(
    index: SearchIndex, behaviour: BehaviourStats, terms: tuple[str, ...]
) -> dict[str, float]:
    """P(leaf category | query): per-term category shares from the catalog and from what earlier
    searchers engaged with (the log counts double: it says what people meant, not only wrote)."""
    total: dict[str, float] = {}
    for term in terms:
        catalog = index.term_categories.get(term)
        if catalog:
            norm = sum(catalog.values())
            for category, count in catalog.items():
                total[category] = total.get(category, 0.0) + count / norm
    for category, value in behaviour.category_distribution(terms).items():
        total[category] = total.get(category, 0.0) + 2.0 * value
    norm = sum(total.values())
    return {c: v / norm for c, v in sorted(total.items(), key=lambda kv: -kv[1])} if norm > 0 else {}


def feature_matrix(
    index: SearchIndex,
    query: ParsedQuery,
    candidates: Candidates,
    behaviour: BehaviourStats,
    popularity: np.ndarray,
    intent: dict[str, float],
) -> np.ndarray:
    rows = candidates.rows
    n = len(rows)
    terms = set(candidates.terms)
    query_numbers = numbers(query.text)
    query_units = set(query.units)
    out = np.zeros((n, len(FEATURE_NAMES)), dtype=np.float32)
    qi = behaviour.query_item_counts(query.raw, rows)
    term_assoc = behaviour.term_association(candidates.terms, rows)
    ctr = behaviour.search_ctr(rows)
    # Plain Python lists, one tuple per row, written into the matrix at once: item-by-item numpy
    # writes cost more than the set operations themselves.
    n_terms, n_numbers, n_units = len(terms), len(query_numbers), len(query_units)
    brands, colours, categories = set(query.brands), set(query.colours), set(query.categories)
    facts = [index.rows[r] for r in rows.tolist()]
    matched = [len(terms & f.terms) for f in facts]
    # Most queries name no number: then no row can match one.
    number_hits = [len(query_numbers & f.numbers) for f in facts] if n_numbers else [0] * n
    out[:, 10] = [m / n_terms for m in matched] if n_terms else 0.0
    out[:, 11] = [float(m == n_terms) for m in matched] if n_terms else 0.0
    out[:, 12] = [h / n_numbers for h in number_hits] if n_numbers else 0.0
    out[:, 13] = [n_numbers - h for h in number_hits]
    out[:, 14] = [len(query_units & f.units) / n_units for f in facts] if n_units else 0.0
    out[:, 15] = [f.length for f in facts]
    if brands or colours or categories:
        out[:, 17:20] = intent_matches(facts, brands, colours, categories)
    if intent:
        out[:, 20] = [intent.get(f.leaf, 0.0) if f.leaf else 0.0 for f in facts]
    prices = index.prices[rows] if n else np.zeros(0)
    out[:, 28] = np.where(np.isfinite(prices), np.log1p(np.where(np.isfinite(prices), prices, 0.0)), -1.0)
    ref = candidates.reference
    top_cosine = ref[2] if ref else (float(candidates.cosine.max()) if n else 0.0)
    out[:, 0] = candidates.bm25
    out[:, 1] = _relative(candidates.bm25, ref[0] if ref else None)
    out[:, 2] = np.log1p(candidates.ranks[:, 0])
    out[:, 3] = candidates.grams
    out[:, 4] = _relative(candidates.grams, ref[1] if ref else None)
    out[:, 5] = np.log1p(candidates.ranks[:, 1])
    out[:, 6] = candidates.cosine
    out[:, 7] = candidates.cosine - top_cosine
    out[:, 8] = np.log1p(candidates.ranks[:, 2])
    out[:, 9] = candidates.fused
    out[:, 16] = len(terms)
    out[:, 21] = np.log1p(popularity[rows]) if len(popularity) else 0.0
    out[:, 22] = np.log1p(qi[:, 0])
    out[:, 23] = np.log1p(qi[:, 1])
    out[:, 24] = np.log1p(qi[:, 3])
    out[:, 25] = (qi[:, 1] + 0.1) / (qi[:, 0] + 1.0)
    out[:, 26] = term_assoc
    out[:, 27] = ctr
    return out


def intent_matches(
    facts: Sequence[Row], brands: set[str], colours: set[str], categories: set[str]
) -> np.ndarray:
    """(n, 3) float32: whether each row has a brand, a colour, a category the query named (the
    ``brand_match``, ``colour_match``, ``category_match`` features; their sum is the row's tier)."""
    out = np.zeros((len(facts), 3), dtype=np.float32)
    if brands:
        out[:, 0] = [f.brand in brands for f in facts]
    if colours:
        out[:, 1] = [bool(f.colours & colours) for f in facts]
    if categories:
        out[:, 2] = [not categories.isdisjoint(f.categories) for f in facts]
    return out
