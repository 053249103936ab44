"""The audit's one pass over the events, from columns (``EventColumns``) instead of ``Event``
objects: what ``detect._gather`` collects, equal key for key and in the same order."""

from __future__ import annotations

import numpy as np

from shelfwise.audit.detect import VIEW_TYPES, AuditResult, Seen
from shelfwise.storage.columns import EventColumns


def _first_rows(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct codes, the row of each one's first occurrence, its count), in first-occurrence order."""
    distinct, first, counts = np.unique(codes, return_index=True, return_counts=True)
    order = np.argsort(first, kind="stable")
    return distinct[order], first[order], counts[order]


def gather_columns(columns: EventColumns, result: AuditResult) -> Seen:
    seen = Seen()
    if len(columns) == 0:
        return seen
    users = columns.user_id
    names = users.values
    times = columns.timestamp
    distinct, first, counts = _first_rows(users.codes)
    who = [names[code] for code in distinct.tolist()]
    result.events_of.update(zip(who, counts.tolist(), strict=True))
    seen.first_seen.update(zip(who, times[first].tolist(), strict=True))
    purchase = columns.type.mask_of(["purchase"])
    seen.browsers.update(names[code] for code in np.unique(users.codes[~purchase]).tolist())
    _gather_views(columns, seen)
    bought = np.flatnonzero(purchase & (columns.item_id.codes >= 0))
    items, stores = columns.item_id.values, columns.store_id.values
    for user, item, at, store in zip(
        users.codes[bought].tolist(),
        columns.item_id.codes[bought].tolist(),
        times[bought].tolist(),
        columns.store_id.codes[bought].tolist(),
        strict=True,
    ):
        seen.add_purchase(names[user], items[item], at, stores[store] if store >= 0 else None)
    seen.history = float(times.max() - times.min())
    return seen


def _gather_views(columns: EventColumns, seen: Seen) -> None:
    """Each user's view and click times, chronological, users in the order of their first view."""
    rows = np.flatnonzero(columns.type.mask_of(VIEW_TYPES))
    if not len(rows):
        return
    codes = columns.user_id.codes[rows]
    by_user = np.argsort(codes, kind="stable")  # stable: each user's times stay chronological
    sorted_codes = codes[by_user]
    cuts = np.flatnonzero(np.diff(sorted_codes)) + 1
    groups = np.split(columns.timestamp[rows][by_user], cuts)
    group_of = {int(group[0]): n for n, group in enumerate(np.split(sorted_codes, cuts))}
    distinct, _, _ = _first_rows(codes)
    names = columns.user_id.values
    for code in distinct.tolist():
        seen.views[names[code]] = groups[group_of[code]].tolist()
