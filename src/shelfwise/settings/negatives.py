"""Typed settings of negative feedback (hang off the root Settings as ``negatives``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class NegativeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # An item the customer dismissed, returned or rated 1–2 stars leaves their lists; items whose
    # text vectors are at least this cosine-similar to it (near duplicates: the other size, the
    # other colour) are scored down for that customer too.
    neighbour_similarity: float = Field(0.9, gt=0, le=1)
    # A near duplicate's score is multiplied by this (divided, when the score is negative, so it
    # always goes down): 1 leaves neighbours alone, 0 removes them like the item itself.
    neighbour_factor: float = Field(0.5, ge=0, le=1)
