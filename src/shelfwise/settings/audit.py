"""Typed settings of the suspicious-activity filter (hang off the root Settings as ``audit``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AuditSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Run the filter before every training and keep flagged accounts' events out of it.
    enabled: bool = True
    # Bursts: at least ``burst_min_accounts`` new accounts (first event at most ``new_account_days``
    # before the purchase) buying one item within ``burst_window_hours``, and at least
    # ``burst_ratio`` times what the item's own purchase rate outside the window predicts.
    burst_window_hours: float = Field(48.0, gt=0)
    burst_min_accounts: int = Field(8, ge=2)
    burst_ratio: float = Field(5.0, ge=1)
    new_account_days: float = Field(7.0, gt=0)
    # A burst alone may be a launch's real rush of new customers: it is flagged only with a second
    # fact — at least ``burst_repeat_share`` of its accounts bought the item more than once, or their
    # other purchases overlap ``burst_alike_baskets`` (mean Jaccard), or that share never browsed
    # in a shop where at least ``burst_silent_share`` of buyers do.
    burst_repeat_share: float = Field(0.5, gt=0, le=1)
    burst_alike_baskets: float = Field(0.5, gt=0, le=1)
    burst_silent_share: float = Field(0.8, gt=0, le=1)
    # Bursts are judged against the shop's history: with less than this many days of events (a fresh
    # import, a tiny shop) every first purchase looks new and no burst is called.
    burst_min_history_days: float = Field(14.0, ge=0)
    # Rings: accounts sharing one device or other identity key, of which at least
    # ``ring_min_accounts`` (and at least half of the sharers) bought the same item.
    ring_min_accounts: int = Field(4, ge=2)
    # Bots: more views or clicks than this by one account within one minute.
    max_views_per_minute: int = Field(30, ge=1)
    # Impossible sequences: purchases in two different physical stores closer in time than this,
    # or more checkouts (distinct purchase seconds: a basket is one) than ``max_purchases_per_minute``
    # by one account within one minute.
    store_travel_minutes: float = Field(10.0, ge=0)
    max_purchases_per_minute: int = Field(10, ge=1)
