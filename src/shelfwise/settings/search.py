"""Typed settings of product search (hung off the root Settings as ``search``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SearchSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Query/item encoder for semantic retrieval: "auto" picks MiniLM for English catalogs and the
    # multilingual USE for Chinese/mixed ones; "none" turns semantic retrieval off (lexical only);
    # any other name must be an encoder plugged in through SHELFWISE_ENCODER_PLUGINS.
    encoder: str = Field("auto", min_length=1)
    # Catalog size from which semantic retrieval uses an approximate index (faiss IVF, the `ann`
    # extra) instead of the exact product; 0 keeps it exact. Measured: benchmarks/search_ann.py.
    ann_min_items: int = Field(20_000, ge=0)
    # Candidates taken from each retriever (word BM25, character n-grams, embeddings) before fusion.
    candidates_per_source: int = Field(200, ge=10)
    # Candidates the learned ranker scores per search, the best fusion scores within the highest
    # tiers (0: all of the union, up to 3 × candidates_per_source). The ranker's and the feature
    # matrix's time grow with it; 300 kept Home Depot's test NDCG@10 / Recall@100 (docs/search.md).
    ranker_candidates: int = Field(300, ge=0)
    # Seconds between full catalog re-checks (changed items); a changed item count triggers one
    # at once. 0 re-checks on every request.
    refresh_seconds: float = Field(60.0, ge=0)
    # Weight of the customer's profile in the final score. Bounded: it reorders items of equal
    # explicit-intent match but never lifts an item above one that matches more of the query.
    personalization_weight: float = Field(0.3, ge=0)
    # ``shelfwise train`` fine-tunes the query side of MiniLM on the search log (docs/search.md)
    # when the log has at least ``tune_min_pairs`` (query, engaged product) pairs; otherwise, or
    # when turned off, search keeps the pretrained encoder.
    tune_query_encoder: bool = True
    tune_min_pairs: int = Field(200, ge=1)
    # Share of the search step's remaining time budget the fine-tuning may take (the rest replays
    # the log for the learned re-ranker).
    tune_share: float = Field(0.4, gt=0, lt=1)
