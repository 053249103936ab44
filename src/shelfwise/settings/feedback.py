"""Typed settings of the feedback loop (hang off the root Settings as ``feedback``; docs/feedback.md)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class FeedbackSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A click, cart or purchase without a request_id is credited to the customer's latest impression
    # of the item at most this many hours before it (across all the customer's accounts).
    attribution_window_hours: float = Field(24.0, gt=0)
    # `shelfwise serve` logs every list it serves as impressions (off: only what front ends post).
    log_impressions: bool = True
    # The impression logger writes a batch when this many rows wait, or every flush_seconds. Small and
    # frequent: the writer thread holds the GIL while it builds a batch, and a long batch showed in the
    # requests' p99 (500 rows/1 s: +19 % p99 on Beauty's default model; 100 rows/0.25 s: +0 %).
    impression_batch_size: int = Field(100, ge=1)
    impression_flush_seconds: float = Field(0.25, gt=0)
    # Rows held in memory at most while the store is unreachable; beyond it the oldest are dropped
    # (counted in /metrics as shelfwise_impressions_dropped) rather than slowing requests.
    impression_buffer_max: int = Field(200_000, ge=1)
