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

Loading the events and the finishing steps (the live profiles and the search index, both read every
event again) cannot be cut short, so the plan reserves ``finish_s`` for the latter before sharing
out the rest; optional steps that would not fit what is left (the complement model) are skipped and
the manifest says so (``TrainClock.skip``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

CTR_SHARE = 0.04  # of --max-minutes: the click model, last
COMPLEMENTS_SHARE = 0.11  # of --max-minutes: the complement model, between next-item and search
# With a search log, neither the next-item model nor the search step gets less than this share
# of the time left to the two of them, however lopsided the shop's data.
MIN_SHARE = 0.2
MIN_NEXT_ITEM_S = 30.0  # the next-item model's floor when loading and encoding ate the budget
# The finishing steps (live profiles, search index): 1.6–2.6× the load step on the 1× generated
# Beauty shop when both read every event as objects; since the events are read once, column-wise
# (the profiles are built from the load step's columns), 0.7–1.5× at 1× and 3× on SQLite and
# PostgreSQL (docs/scale.md), the search index being most of it. Kept at 2.5: overrunning the
# budget is worse than a model that stopped a little early.
FINISH_PER_LOAD = 2.5
# The complement model counts its pair events and fits (the fit grows with the catalog, not with
# the events). It took about 1× the load step while loading built an Event per row; once loading
# became column-wise the load step shrank and the complement fit did not: 33.9 s against a 4.2 s
# load step on the 1× shop (36.5 s against 36.0 s before, same minutes, docs/scale.md). A window
# of less than this estimate is skipped.
COMPLEMENTS_PER_LOAD = 8.0


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


def plan_budget(max_minutes: float, elapsed_s: float, shop: ShopSize, finish_s: float = 0.0) -> TrainBudget:
    """Deadlines (seconds from the start) of a job with ``max_minutes`` that has spent ``elapsed_s``
    loading and encoding and must keep ``finish_s`` for its finishing steps. Without a search log
    the next-item model gets everything up to the complement and click-model shares (as before
    this split existed). ``total`` is when the click model must stop: the budget less ``finish_s``."""
    total = max_minutes * 60.0
    end = max(total - finish_s, elapsed_s)
    search_end = max(end - total * CTR_SHARE, elapsed_s)
    learning = max(search_end - total * COMPLEMENTS_SHARE - elapsed_s, 0.0)
    next_item_end = elapsed_s + learning * next_item_share(shop)
    return TrainBudget(next_item_end=next_item_end, search_end=search_end, total=end)


def finish_reserve(load_s: float) -> float:
    """Seconds to keep for the finishing steps of a job whose load step took ``load_s``."""
    return FINISH_PER_LOAD * load_s


@dataclass
class TrainClock:
    """The job's clock against its budget, and the optional steps it skipped (with why)."""

    started: float  # time.monotonic() at the job's start
    budget_s: float
    skipped: dict[str, str] = field(default_factory=dict)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def left(self, until_s: float) -> float:
        """Seconds from now until ``until_s`` (seconds from the start); negative once past it."""
        return until_s - self.elapsed()

    def skip(self, step: str, reason: str) -> None:
        self.skipped[step] = reason


def affordable(estimate_s: float, window_s: float) -> bool:
    """An optional step runs when its estimated cost fits the window it has."""
    return estimate_s <= window_s
