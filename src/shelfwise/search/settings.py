"""Typed settings of product search (hung off the root Settings as ``search``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SearchEncoder = Literal["auto", "minilm", "use", "fake", "none"]


class SearchSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Query/item encoder for semantic retrieval: "auto" picks MiniLM for English catalogs and the
    # multilingual USE for Chinese/mixed ones; "fake" is the hashing encoder (tests); "none" turns
    # semantic retrieval off (lexical only).
    encoder: SearchEncoder = "auto"
    # Candidates taken from each retriever (word BM25, character n-grams, embeddings) before fusion.
    candidates_per_source: int = Field(200, ge=10)
    # Seconds between full catalog re-checks (changed items); a changed item count triggers one
    # at once. 0 re-checks on every request.
    refresh_seconds: float = Field(60.0, ge=0)
    # Weight of the customer's profile in the final score. Bounded: it reorders items of equal
    # explicit-intent match but never lifts an item above one that matches more of the query.
    personalization_weight: float = Field(0.3, ge=0)
