"""Histories from columns (``EventColumns``): what ``build_item_index`` and ``build_histories``
make of the same events, equal field for field and in the same order, without an ``Event`` per row.

The rules are ``build_histories``' (read it first): only interest (``is_engagement``) extends a
history, a consecutive repeat of an item is one step, a purchase adds to ``purchased`` and a
``return`` takes it back out. Over a whole chronological stream the last two reduce to "an item is
in ``purchased`` when the customer's last purchase-or-return of it is a purchase" (a return before
the customer's first engagement finds nothing to take back either way).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from shelfwise.domain import ENGAGEMENT_TYPES, NEGATIVE_RATING_MAX, RATING_TYPES, Item, customer_id_for
from shelfwise.history.histories import HISTORY_TYPES, CustomerHistory, ItemIndex
from shelfwise.storage.columns import EventColumns, first_rows, last_rows, split_by


def engagement_mask(columns: EventColumns) -> np.ndarray:
    """``is_engagement`` of every row: an item, an engagement type, not a rating of 1–2 stars."""
    low_rating = columns.type.mask_of(RATING_TYPES) & (columns.value <= NEGATIVE_RATING_MAX)  # NaN: False
    return (columns.item_id.codes >= 0) & columns.type.mask_of(ENGAGEMENT_TYPES) & ~low_rating


def customer_codes(columns: EventColumns, customer_of: dict[str, str]) -> tuple[np.ndarray, list[str]]:
    """(each row's customer code, the customer ids): an account's customer, else the user's own."""
    table: dict[str, int] = {}
    of_user = [
        table.setdefault(customer_of.get(user) or customer_id_for(user), len(table))
        for user in columns.user_id.values
    ]
    lookup = np.asarray(of_user, dtype=np.int64)
    return (lookup[columns.user_id.codes] if len(lookup) else np.zeros(0, dtype=np.int64)), list(table)


def item_index_of(columns: EventColumns, items: Iterable[Item]) -> ItemIndex:
    """``build_item_index`` over the history events: catalog items, then the others by first event."""
    ids = [item.item_id for item in items]
    seen = set(ids)
    n_catalog = len(ids)
    rows = columns.type.mask_of(HISTORY_TYPES) & (columns.item_id.codes >= 0)
    distinct, _, _ = first_rows(columns.item_id.codes[rows])
    for code in distinct.tolist():
        item_id = columns.item_id.values[code]
        if item_id not in seen:
            seen.add(item_id)
            ids.append(item_id)
    known = np.zeros(len(ids), dtype=bool)
    known[:n_catalog] = True
    return ItemIndex(ids, known)


def histories_of(
    columns: EventColumns, index: ItemIndex, customer_of: dict[str, str]
) -> dict[str, CustomerHistory]:
    """``build_histories`` of the (chronological) columns."""
    position = np.array([index.get(i) if index.get(i) is not None else -1 for i in columns.item_id.values])
    item_codes = columns.item_id.codes
    items = np.where(item_codes >= 0, position[item_codes] if len(position) else -1, -1)
    customers, names = customer_codes(columns, customer_of)
    engaged = np.flatnonzero(engagement_mask(columns) & (items >= 0))
    histories: dict[str, CustomerHistory] = {}
    if not len(engaged):
        return histories
    # Each customer's engagement rows, chronological (a stable sort), customers by their first one.
    by_customer = np.concatenate(split_by(customers[engaged]))
    rows, who, steps = engaged[by_customer], customers[engaged][by_customer], items[engaged][by_customer]
    # A view → click → cart → purchase funnel on one item is one step of the sequence.
    first = np.concatenate(([True], who[1:] != who[:-1]))
    keep = first | np.concatenate(([True], steps[1:] != steps[:-1]))
    rows, who, steps, first = rows[keep], who[keep], steps[keep], first[keep]
    starts = np.flatnonzero(first).tolist()
    ends = [*starts[1:], len(rows)]
    purchased = _purchased(columns, customers, items)
    step_list, times = steps.tolist(), columns.timestamp[rows].tolist()
    channels = [columns.channel.values[c] if c >= 0 else None for c in columns.channel.codes[rows].tolist()]
    for customer, start, end in zip(who[first].tolist(), starts, ends, strict=True):
        histories[names[customer]] = CustomerHistory(
            names[customer],
            step_list[start:end],
            purchased.get(customer, set()),
            channels[start:end],
            times[start:end],
        )
    return histories


def _purchased(columns: EventColumns, customers: np.ndarray, items: np.ndarray) -> dict[int, set[int]]:
    """customer code → items whose last purchase-or-return (in time) is a purchase."""
    is_purchase = columns.type.mask_of(["purchase"])
    rows = np.flatnonzero((is_purchase | columns.type.mask_of(["return"])) & (items >= 0))
    keys = customers[rows] * (int(items.max()) + 1) + items[rows]
    last = rows[last_rows(keys)]
    bought = last[is_purchase[last]]
    return grouped_sets(customers[bought], items[bought].tolist())


def grouped_sets(keys: np.ndarray, values: list[Any]) -> dict[int, set[Any]]:
    """key → the set of its ``values`` (parallel to ``keys``)."""
    if len(keys) == 0:  # a shop with no purchases yet: no cut points to pair up
        return {}
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    cuts = [0, *(np.flatnonzero(np.diff(sorted_keys)) + 1).tolist(), len(keys)]
    ordered = [values[n] for n in order.tolist()]
    firsts = sorted_keys[cuts[:-1]].tolist()
    return {key: set(ordered[a:b]) for key, a, b in zip(firsts, cuts[:-1], cuts[1:], strict=True)}
