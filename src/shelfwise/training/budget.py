"""How ``shelfwise train`` splits ``--max-minutes`` between its steps: a pure function of what the
shop has, so the arithmetic is tested with known answers rather than by timing a job.

Steps in order: load and encode (already spent when the plan is made), the next-item model, the
complement model, the search step (query-encoder fine-tuning, replaying the log, boosting) and
the click model. The click model keeps the last ``CTR_SHARE`` and the complements
``COMPLEMENTS_SHARE`` of the budget; what is left goes to the next-item model and the search step
in proportion to the events each learns from. Before, the next-item model took a fixed 55 % of
the budget whenever there was a search log: on Home Depot (12,550 engagements, 18,000 logged
search events) it took 691 s of 1,200 and the search step, run last, replayed only 809 of 2,955
searches.
"""

from __future__ import annotations

from dataclasses import dataclass

CTR_SHARE = 0.04  # of --max-minutes: the click model, last
COMPLEMENTS_SHARE = 0.11  # of --max-minutes: the complement model, between next-item and search
# With a search log, neither the next-item model nor the search step gets less than this share
# of the time left to the two of them, however lopsided the shop's data.
MIN_SHARE = 0.2
MIN_NEXT_ITEM_S = 30.0  # the next-item model's floor when loading and encoding ate the budget


@dataclass(frozen=True)
class ShopSize:
    """What the two learning steps learn from."""

    interactions: int  # events in the customers' sequences (the next-item model's data)
    search_events: int = 0  # events of the search log (0: no log, the search step is skipped)
    tune_share: float = 0.0  # share of the search step spent fine-tuning the query encoder


@dataclass(frozen=True)
class TrainBudget:
    """Seconds from the job's start by which each step must be done."""

    next_item_end: float
    search_end: float  # the search step stops replaying and boosting here
    total: float  # the click model stops here: --max-minutes

    def next_item_minutes(self, elapsed_s: float) -> float:
        """Minutes the next-item model may take when it starts ``elapsed_s`` into the job."""
        return max(self.next_item_end - elapsed_s, MIN_NEXT_ITEM_S) / 60.0


def search_weight(shop: ShopSize) -> float:
    """The search step's claim in events: its log, scaled up so that fine-tuning the query encoder
    (``tune_share`` of the step) leaves the replay as much time as it would have without it."""
    if shop.search_events <= 0:
        return 0.0
    return shop.search_events / (1.0 - min(max(shop.tune_share, 0.0), 0.9))


def next_item_share(shop: ShopSize) -> float:
    """The next-item model's share of the time the two learning steps divide (1 without a log)."""
    claim = search_weight(shop)
    if claim == 0.0:
        return 1.0
    share = shop.interactions / (shop.interactions + claim)
    return min(max(share, MIN_SHARE), 1.0 - MIN_SHARE)


def plan_budget(max_minutes: float, elapsed_s: float, shop: ShopSize) -> TrainBudget:
    """Deadlines (seconds from the start) of a job with ``max_minutes`` that has spent ``elapsed_s``
    loading and encoding. Without a search log the next-item model gets everything up to the
    complement and click-model shares (as before this split existed)."""
    total = max_minutes * 60.0
    search_end = total * (1.0 - CTR_SHARE)
    learning = max(search_end - total * COMPLEMENTS_SHARE - elapsed_s, 0.0)
    next_item_end = elapsed_s + learning * next_item_share(shop)
    return TrainBudget(next_item_end=next_item_end, search_end=search_end, total=total)
