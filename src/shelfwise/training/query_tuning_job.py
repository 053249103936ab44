"""Fine-tuning the search query encoder on the search log (a step of ``shelfwise train``).

The log's searches become (query, engaged products) with hard negatives from the lexical index,
the query side of MiniLM is fine-tuned against the catalog's item vectors
(:mod:`shelfwise.encoders.query_tuning`) and, when it beats the pretrained model on held-out
queries, stored in the model version. The learned re-ranker is then trained on the tuned cosines,
so serving and training see the same semantic features.

Skipped (search keeps the pretrained encoder) when turned off (``search.tune_query_encoder``),
when the log has fewer than ``search.tune_min_pairs`` pairs, or when search does not encode items
with MiniLM (a Chinese catalog's USE, a plugged-in encoder): only MiniLM is fine-tuned here.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from shelfwise.encoders.minilm import MODEL_NAME
from shelfwise.encoders.query_tuning import (
    QueryLog,
    QueryTuningConfig,
    TunedQueryEncoder,
    fit_query_encoder,
    save_query_encoder,
)
from shelfwise.search.behaviour import SearchGroup
from shelfwise.search.engine import SearchEngine
from shelfwise.search.factory import QUERY_ENCODER_DIR, search_encoder
from shelfwise.search.query import ParsedQuery
from shelfwise.settings import Settings

LEXICAL_NEGATIVES = 20  # the lexical top results whose unengaged items are hard negatives


def query_log(engine: SearchEngine, groups: Sequence[SearchGroup]) -> QueryLog:
    """Distinct queries as search encodes them (parsed text), the rows engaged after each (click,
    cart or purchase by anyone) and the unengaged rows of their word-BM25 top results."""
    index = engine.index
    engaged: dict[str, set[int]] = {}
    parsed: dict[str, ParsedQuery] = {}
    for group in groups:
        rows = {index.row_of[i] for i, grade in group.grades.items() if grade >= 1 and i in index.row_of}
        query = engine.parse(group.query)
        # Whitespace does not change what the tokenizer sees: "cordless  drill" is "cordless drill".
        text = " ".join(query.text.split())
        if not rows or not text:
            continue
        engaged.setdefault(text, set()).update(rows)
        parsed.setdefault(text, query)
    texts = sorted(engaged)
    positives = [np.array(sorted(engaged[t]), dtype=np.int64) for t in texts]
    negatives = []
    for text, rows in zip(texts, positives, strict=True):
        query = parsed[text]
        hits = index.lexical.search_words(query.tokens, LEXICAL_NEGATIVES, query.expansions)
        negatives.append(np.setdiff1d(hits.rows.astype(np.int64), rows))
    return QueryLog(texts, positives, negatives)


def tune_query_encoder(
    settings: Settings,
    engine: SearchEngine,
    groups: Sequence[SearchGroup],
    directory: Path,
    seed: int = 0,
    deadline: float = float("inf"),
    config: QueryTuningConfig | None = None,
) -> tuple[TunedQueryEncoder | None, dict[str, float]]:
    """Fine-tune and store the query encoder in ``directory``; (encoder, metrics), or (None, {})
    when skipped and (None, metrics) when no epoch beat the pretrained encoder."""
    index = engine.index
    encoder = index.encoder
    if not settings.search.tune_query_encoder or index.dense is None or encoder is None:
        return None, {}
    if not encoder.name.startswith(MODEL_NAME):
        return None, {}
    log = query_log(engine, groups)
    if log.pairs < settings.search.tune_min_pairs:
        return None, {}
    started = time.monotonic()
    vectors = index.dense.vectors(np.arange(len(index.dense)))
    result = fit_query_encoder(log, vectors, config, seed, deadline, settings.threads)
    metrics = {
        "query_tuning_queries": float(len(log.queries)),
        "query_tuning_pairs": float(log.pairs),
        "query_tuning_held_out": float(result.held_out_queries),
        "query_tuning_steps": result.history[-1]["step"],
        "query_tuning_mrr_pretrained": result.pretrained_mrr,
        "query_tuning_mrr": result.best_mrr,
    }
    tuned = None
    if result.model is not None:
        tuned = save_query_encoder(result.model, directory, encoder.name, result.history, settings.threads)
    metrics["query_tuning_s"] = time.monotonic() - started
    return tuned, metrics


def search_encoder_name(settings: Settings, titles: list[str], search_dir: Path) -> str | None:
    """What encodes queries for the version in ``search_dir``'s model: the fine-tuned encoder when
    training stored one, else the pretrained search encoder (None: semantic search is off)."""
    tuned = TunedQueryEncoder.load(search_dir / QUERY_ENCODER_DIR)
    if tuned is not None:
        return tuned.name
    encoder = search_encoder(settings, titles)
    return None if encoder is None else encoder.name
