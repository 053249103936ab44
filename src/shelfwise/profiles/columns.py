"""Live profiles from columns (``EventColumns``), packed as ``profiles.snapshot`` stores them:
what ``ProfileBook.load`` then ``snapshot.pack`` make of the same events (read ``_with_events``
first), without an ``Event`` per row; only each customer's newest engagements become tuples.

Over a whole chronological stream ``_with_events``' rules reduce to: ``channels`` counts every
event by channel (first seen first), ``last_event_at`` is the newest time, ``purchased`` holds the
items whose last purchase-or-return is a purchase, ``recent`` the newest ``max_items``
engagements, and an item has a verdict when some event said no to it: then its newest verdict.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from shelfwise.domain import NEGATIVE_RATING_MAX, NEGATIVE_TYPES, RATING_TYPES
from shelfwise.history.columns import engagement_mask, grouped_sets
from shelfwise.storage.columns import EVENT_ORDER, EventColumns, first_rows, last_rows, split_by

Body = tuple[Any, ...]  # (recent, purchased, channels, last_event_at, verdicts, disliked)


def profile_bodies(
    columns: EventColumns, members: Mapping[str, Sequence[str]], max_items: int
) -> Iterator[tuple[str, int, Body]]:
    """(customer id, its events, its packed body) for every customer of ``members``, in that order."""
    index_of = {user: n for n, users in enumerate(members.values()) for user in users}
    lookup = np.array([index_of.get(user, -1) for user in columns.user_id.values], dtype=np.int64)
    customers = lookup[columns.user_id.codes] if len(lookup) else np.zeros(0, dtype=np.int64)
    n = len(members)
    counts = np.bincount(customers[customers >= 0], minlength=n).tolist()
    last = _newest(columns, customers, n)
    channels = _channels(columns, customers)
    purchased = _purchased(columns, customers)
    verdicts = _verdicts(columns, customers)
    recent = _recent(columns, customers, max_items)
    for k, customer in enumerate(members):
        said = verdicts.get(k, {})
        disliked = tuple(frozenset(item for item, (_, negative) in said.items() if negative))
        body = (
            recent.get(k, ()),
            tuple(frozenset(purchased.get(k, ()))),
            channels.get(k, {}),
            last[k],
            said,
            disliked,
        )
        yield customer, counts[k], body


def _newest(columns: EventColumns, customers: np.ndarray, n: int) -> list[float | None]:
    newest = np.full(n, -np.inf)
    mine = customers >= 0
    np.maximum.at(newest, customers[mine], columns.timestamp[mine])
    return [None if at == -np.inf else at for at in newest.tolist()]


def _channels(columns: EventColumns, customers: np.ndarray) -> dict[int, dict[str, int]]:
    # ``event.channel or "unknown"``: None (code -1, the last name) and "" count as "unknown".
    names = [*(channel or "unknown" for channel in columns.channel.values), "unknown"]
    table: dict[str, int] = {}
    unified = np.array([table.setdefault(name, len(table)) for name in names], dtype=np.int64)
    labels = list(table)
    mine = np.flatnonzero(customers >= 0)
    keys = customers[mine] * len(labels) + unified[columns.channel.codes[mine]]
    distinct, _, counts = first_rows(keys)
    result: dict[int, dict[str, int]] = {}
    for key, count in zip(distinct.tolist(), counts.tolist(), strict=True):
        customer, label = divmod(key, len(labels))
        result.setdefault(customer, {})[labels[label]] = count
    return result


def _item_keys(columns: EventColumns, customers: np.ndarray, rows: np.ndarray) -> np.ndarray:
    return customers[rows] * (len(columns.item_id.values) + 1) + columns.item_id.codes[rows]


def _purchased(columns: EventColumns, customers: np.ndarray) -> dict[int, set[str]]:
    is_purchase = columns.type.mask_of(["purchase"])
    with_item = (customers >= 0) & (columns.item_id.codes >= 0)
    rows = np.flatnonzero(with_item & (is_purchase | columns.type.mask_of(["return"])))
    last = rows[last_rows(_item_keys(columns, customers, rows))]
    bought = np.sort(last[is_purchase[last]])
    items = columns.item_id.values
    return grouped_sets(customers[bought], [items[c] for c in columns.item_id.codes[bought].tolist()])


def _verdicts(columns: EventColumns, customers: np.ndarray) -> dict[int, dict[str, tuple[float, bool]]]:
    """``_record_verdict`` over each customer's events: only items some event said no to."""
    kind, value = columns.type, columns.value
    rating = kind.mask_of(RATING_TYPES)
    negative = kind.mask_of(NEGATIVE_TYPES) | (rating & (value <= NEGATIVE_RATING_MAX))
    approval = kind.mask_of(["purchase", "add_to_cart"]) | (rating & ~np.isnan(value))
    with_item = (customers >= 0) & (columns.item_id.codes >= 0)
    rows = np.flatnonzero(with_item & (negative | approval))
    keys = _item_keys(columns, customers, rows)
    said_no = np.unique(keys[negative[rows]])
    rows = rows[np.isin(keys, said_no)]  # approvals before an item's first "no" are not kept
    result: dict[int, dict[str, tuple[float, bool]]] = {}
    items = columns.item_id.values
    for customer, item, at, no in zip(
        customers[rows].tolist(),
        columns.item_id.codes[rows].tolist(),
        columns.timestamp[rows].tolist(),
        negative[rows].tolist(),
        strict=True,
    ):
        mine = result.setdefault(customer, {})
        if items[item] in mine or no:
            mine[items[item]] = (at, no)
    return result


def _recent(columns: EventColumns, customers: np.ndarray, max_items: int) -> dict[int, tuple[Body, ...]]:
    """Each customer's newest ``max_items`` engagements, as ``pack`` stores them (field tuples)."""
    engaged = np.flatnonzero(engagement_mask(columns) & (customers >= 0))
    groups = [rows[-max_items:] for rows in split_by(customers[engaged])]  # as ``recent[-max_items:]``
    if not groups:
        return {}
    kept = engaged[np.concatenate(groups)]
    rows = columns.field_tuples(kept, EVENT_ORDER)
    result: dict[int, tuple[Body, ...]] = {}
    start = 0
    for group in groups:
        result[int(customers[engaged[group[0]]])] = tuple(rows[start : start + len(group)])
        start += len(group)
    return result
