"""The audit's one pass over the events, from columns (``EventColumns``) instead of ``Event``
objects: what ``detect._gather`` collects, equal key for key and in the same order."""

from __future__ import annotations

import numpy as np

from shelfwise.audit.detect import VIEW_TYPES, AuditResult, Seen
from shelfwise.storage.columns import EventColumns, first_rows, split_by


def gather_columns(columns: EventColumns, result: AuditResult) -> Seen:
    seen = Seen()
    if len(columns) == 0:
        return seen
    users = columns.user_id
    names = users.values
    times = columns.timestamp
    distinct, first, counts = first_rows(users.codes)
    who = [names[code] for code in distinct.tolist()]
    result.events_of.update(zip(who, counts.tolist(), strict=True))
    seen.first_seen.update(zip(who, times[first].tolist(), strict=True))
    purchase = columns.type.mask_of(["purchase"])
    seen.browsers.update(names[code] for code in np.unique(users.codes[~purchase]).tolist())
    _gather_views(columns, seen)
    _gather_purchases(columns, np.flatnonzero(purchase & (columns.item_id.codes >= 0)), seen)
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
    distinct, _, _ = first_rows(codes)
    names = columns.user_id.values
    for code in distinct.tolist():
        seen.views[names[code]] = groups[group_of[code]].tolist()


def _runs(codes: np.ndarray) -> list[tuple[int, int, int]]:
    """(code, start, end) of each run of equal codes."""
    if not len(codes):
        return []
    starts = [0, *(np.flatnonzero(np.diff(codes)) + 1).tolist()]
    ends = [*starts[1:], len(codes)]
    return list(zip(codes[starts].tolist(), starts, ends, strict=True))


def _gather_purchases(columns: EventColumns, bought: np.ndarray, seen: Seen) -> None:
    """``Seen.add_purchase`` over the purchase rows ``bought``, a group at a time."""
    names, items = columns.user_id.values, columns.item_id.values
    users, goods, times = (
        columns.user_id.codes[bought],
        columns.item_id.codes[bought],
        columns.timestamp[bought],
    )
    # item → (time, user), chronological; items in the order of their first purchase.
    order = np.concatenate(split_by(goods)) if len(goods) else goods
    pairs = list(zip(times[order].tolist(), [names[c] for c in users[order].tolist()], strict=True))
    seen.purchases.update({items[item]: pairs[a:b] for item, a, b in _runs(goods[order])})
    # user → item → first purchase time, and the purchases of each (user, item), first seen first.
    width = len(items) + 1
    distinct, first, counts = first_rows(users.astype(np.int64) * width + goods)
    by_user = np.concatenate(split_by(distinct // width)) if len(distinct) else distinct
    pair_users = (distinct // width)[by_user]
    pair_items = [items[c] for c in (distinct % width)[by_user].tolist()]
    first_at = times[first][by_user].tolist()
    for user, a, b in _runs(pair_users):
        seen.purchased[names[user]] = dict(zip(pair_items[a:b], first_at[a:b], strict=True))
    pair_codes = zip((distinct // width).tolist(), (distinct % width).tolist(), strict=True)
    pair_names = [(names[u], items[i]) for u, i in pair_codes]
    seen.buys_of.update(zip(pair_names, counts.tolist(), strict=True))
    # user → purchase times, chronological; users by their first purchase.
    order = np.concatenate(split_by(users)) if len(users) else users
    at = times[order].tolist()
    seen.buys.update({names[user]: at[a:b] for user, a, b in _runs(users[order])})
    stores = columns.store_id
    in_store = np.flatnonzero(stores.present()[bought] if len(bought) else bought)
    for row in in_store.tolist():
        store = stores.values[stores.codes[bought[row]]]
        seen.store_buys[names[users[row]]].append((float(times[row]), store))
