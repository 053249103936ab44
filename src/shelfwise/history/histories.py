"""Turn the store into what models learn from: an item index and one chronological sequence of
engaged items per customer, across all of the customer's accounts and channels.

The same code builds training data and serving-time histories, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from shelfwise.domain import ENGAGEMENT_TYPES, Event, Item, customer_id_for, is_engagement
from shelfwise.history.customers import customer_of_users
from shelfwise.storage.base import Store

# What a history is built from: the engagement types, and returns (they take a purchase back).
HISTORY_TYPES: frozenset[str] = ENGAGEMENT_TYPES | {"return"}

# Half-life of the time decay behind "trending" (and the reasons that say so).
TRENDING_HALF_LIFE_DAYS = 14.0


@dataclass
class ItemIndex:
    """Dense indices 0..n-1 for item ids; catalog items first, in catalog order."""

    item_ids: list[str]
    known: np.ndarray  # bool per index: the item is in the catalog (has text, can be shown)
    _position: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._position = {item_id: n for n, item_id in enumerate(self.item_ids)}

    def __len__(self) -> int:
        return len(self.item_ids)

    def get(self, item_id: str) -> int | None:
        return self._position.get(item_id)


@dataclass
class CustomerHistory:
    customer_id: str
    items: list[int]  # engaged items, chronological, consecutive repeats collapsed
    purchased: set[int]
    channels: list[str | None]  # channel of each entry of ``items``
    times: list[float] = field(default_factory=list)  # epoch seconds of each entry of ``items``


def build_item_index(items: Iterable[Item], events: Iterable[Event]) -> ItemIndex:
    ids = [item.item_id for item in items]
    seen = set(ids)
    n_catalog = len(ids)
    for event in events:
        if event.item_id is not None and event.item_id not in seen:
            seen.add(event.item_id)
            ids.append(event.item_id)
    known = np.zeros(len(ids), dtype=bool)
    known[:n_catalog] = True
    return ItemIndex(ids, known)


def build_histories(
    events: Iterable[Event], index: ItemIndex, customer_of: dict[str, str]
) -> dict[str, CustomerHistory]:
    """Histories keyed by customer id. Events must come in chronological order.

    Only interest builds a history (``is_engagement``): a dismiss or a 1–2 star rating adds nothing,
    and a ``return`` takes the item back out of what the customer bought."""
    histories: dict[str, CustomerHistory] = {}
    for event in events:
        returned = event.type == "return"
        if event.item_id is None or not (returned or is_engagement(event)):
            continue
        item = index.get(event.item_id)
        if item is None:
            continue
        customer = customer_of.get(event.user_id) or customer_id_for(event.user_id)
        history = histories.get(customer)
        if returned:
            if history is not None:
                history.purchased.discard(item)
            continue
        if history is None:
            history = histories[customer] = CustomerHistory(customer, [], set(), [])
        if event.type == "purchase":
            history.purchased.add(item)
        # A view → click → cart → purchase funnel on one item is one step of the sequence.
        if not history.items or history.items[-1] != item:
            history.items.append(item)
            history.channels.append(event.channel)
            history.times.append(event.timestamp)
    return histories


def load_training_view(store: Store) -> tuple[ItemIndex, dict[str, CustomerHistory]]:
    events = [stored.event for stored in store.iter_events(types=HISTORY_TYPES)]
    index = build_item_index(store.iter_items(), events)
    return index, build_histories(events, index, customer_of_users(store))


def trending_scores(
    histories: Iterable[CustomerHistory], n_items: int, half_life_days: float = TRENDING_HALF_LIFE_DAYS
) -> np.ndarray:
    """Engagements per item, each weighted ``0.5 ** (age / half_life)`` relative to the newest one.

    What people engage with lately, not all-time best sellers: the answer for a customer with no
    history. Ages count from the newest event in the data (not the wall clock), so a model trained on
    an old export still ranks that export's own recent favourites first.
    """
    items: list[int] = []
    times: list[float] = []
    for history in histories:
        items.extend(history.items)
        times.extend(history.times)
    return trending_from(items, times, n_items, half_life_days)


def trending_from(
    items: Sequence[int],
    times: Sequence[float],
    n_items: int,
    half_life_days: float = TRENDING_HALF_LIFE_DAYS,
) -> np.ndarray:
    """``trending_scores`` from parallel (item, epoch seconds) lists, normalised to [0, 1]."""
    scores = np.zeros(n_items, dtype=np.float64)
    if not len(items):
        return scores.astype(np.float32)
    stamps = np.asarray(times, dtype=np.float64)
    age_days = (stamps.max() - stamps) / 86_400.0
    np.add.at(scores, np.asarray(items, dtype=np.int64), 0.5 ** (age_days / half_life_days))
    return (scores / max(scores.max(), 1e-12)).astype(np.float32)


def sequences_of(histories: dict[str, CustomerHistory]) -> list[np.ndarray]:
    return [np.asarray(h.items, dtype=np.int32) for h in histories.values() if h.items]
