"""Behavioural evidence for complements and substitutes, counted once per customer.

A *basket* is what a customer bought or put in a cart on one occasion, in any channel: the events
of one online session (``session_id``), or, without a session, one store receipt (same customer,
store and day). Two items in one basket were bought *together*; an item bought within
``window_days`` after another, in a later basket, was bought *after* it (the case a few days after
the phone, usually online even when the phone was bought in store).

Direction matters: a phone is followed by a case far more often than a case by a phone. Inside one
basket the earlier item counts fully as the anchor and the reverse direction at ``reverse_weight``.

Items viewed in the same session but not bought together are *substitutes* (shoppers compare them
and choose one); that evidence feeds similar items and keeps substitutes out of complements.

Each customer contributes at most once per pair, so one enthusiastic shopper cannot fake a relation
and the counts read as "N customers".

A ``return`` takes back the customer's latest earlier purchase of the item: that basket line (and
its cart) is no evidence of anything bought together, after or at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from shelfwise.domain import Event

DAY = 86400.0
BASKET_TYPES = frozenset({"purchase", "add_to_cart"})
VIEW_TYPES = frozenset({"view", "click"})
RETURN_TYPE = "return"
# What ``count_pairs`` reads from the store.
PAIR_TYPES = BASKET_TYPES | VIEW_TYPES | {RETURN_TYPE}
# Baskets and sessions larger than this are cut to their first items: pairs grow quadratically and
# a 300-item wholesale receipt says little about what goes with what.
MAX_BASKET_ITEMS = 40


@dataclass(frozen=True)
class BasketOptions:
    window_days: float = 14.0  # a purchase this soon after another counts as a follow-up
    follow_weight: float = 0.7  # a follow-up is weaker evidence than the same basket
    reverse_weight: float = 0.5  # same basket, later item as the anchor of the earlier one


@dataclass(frozen=True)
class CoCounts:
    """Sparse (n_items × n_items) matrices; rows are anchors."""

    weight: sp.csr_matrix  # directional evidence Σ over customers of max pair weight
    together: sp.csr_matrix  # customers with both items in one basket (symmetric)
    after: sp.csr_matrix  # customers who bought the column within the window after the row
    coview: sp.csr_matrix  # customers who viewed both in a session without buying both (symmetric)
    buyers: np.ndarray  # customers who bought or carted each item
    viewers: np.ndarray  # customers who viewed each item


def _basket_key(event: Event) -> str:
    if event.session_id:
        return f"s:{event.session_id}"
    day = int(event.timestamp // DAY)
    return f"r:{event.store_id or event.channel or ''}:{day}"


def _returned_lines(rows: list[tuple[float, int, str, str]]) -> set[tuple[str, int]]:
    """(basket key, item) of the purchases a later ``return`` took back: for each return, the
    customer's latest earlier purchase of that item not yet taken back."""
    bought: dict[int, list[str]] = {}  # item -> basket keys of its purchases, oldest first
    returned: set[tuple[str, int]] = set()
    for _, item, kind, key in rows:
        if kind == "purchase":
            bought.setdefault(item, []).append(key)
        elif kind == RETURN_TYPE and bought.get(item):
            returned.add((bought[item].pop(), item))
    return returned


class _PairAccumulator:
    def __init__(self) -> None:
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []

    def add_customer(self, pairs: Mapping[tuple[int, int], float]) -> None:
        for (a, b), value in pairs.items():
            self.rows.append(a)
            self.cols.append(b)
            self.vals.append(value)

    def matrix(self, n: int) -> sp.csr_matrix:
        matrix = sp.coo_matrix(
            (
                np.asarray(self.vals, dtype=np.float32),
                (np.asarray(self.rows, dtype=np.int64), np.asarray(self.cols, dtype=np.int64)),
            ),
            shape=(n, n),
        ).tocsr()
        matrix.sum_duplicates()
        return matrix


def count_pairs(
    events: Iterable[Event],
    position: Mapping[str, int],
    customer_of: Mapping[str, str],
    n_items: int,
    options: BasketOptions | None = None,
) -> CoCounts:
    """Count basket, follow-up and co-view pairs. ``events`` must be in chronological order."""
    options = options or BasketOptions()
    by_customer: dict[str, list[tuple[float, int, str, str]]] = {}
    for event in events:
        if event.item_id is None or event.type not in PAIR_TYPES:
            continue
        item = position.get(event.item_id)
        if item is None:
            continue
        customer = customer_of.get(event.user_id, event.user_id)
        by_customer.setdefault(customer, []).append((event.timestamp, item, event.type, _basket_key(event)))

    weight, together, after, coview = (_PairAccumulator() for _ in range(4))
    buyers = np.zeros(n_items, dtype=np.float32)
    viewers = np.zeros(n_items, dtype=np.float32)
    window = options.window_days * DAY
    for rows in by_customer.values():
        baskets: dict[str, list[int]] = {}
        viewed: dict[str, list[int]] = {}
        purchases: list[tuple[float, int, str]] = []  # first purchase time of an item per basket
        returned = _returned_lines(rows)
        for timestamp, item, kind, key in rows:
            if kind == RETURN_TYPE or (key, item) in returned:
                continue
            if kind in BASKET_TYPES:
                basket = baskets.setdefault(key, [])
                if item not in basket:
                    basket.append(item)
                    purchases.append((timestamp, item, key))
            else:
                session = viewed.setdefault(key, [])
                if item not in session:
                    session.append(item)
        bought_items = {item for basket in baskets.values() for item in basket}
        buyers[list(bought_items)] += 1
        seen_items = {item for session in viewed.values() for item in session}
        if seen_items:
            viewers[list(seen_items)] += 1

        w: dict[tuple[int, int], float] = {}
        t: dict[tuple[int, int], float] = {}
        f: dict[tuple[int, int], float] = {}
        for basket in baskets.values():
            basket = basket[:MAX_BASKET_ITEMS]
            for i, a in enumerate(basket):
                for b in basket[i + 1 :]:
                    t[(a, b)] = t[(b, a)] = 1.0
                    w[(a, b)] = max(w.get((a, b), 0.0), 1.0)
                    w[(b, a)] = max(w.get((b, a), 0.0), options.reverse_weight)
        purchases = purchases[-MAX_BASKET_ITEMS * 5 :]
        for i, (t_a, a, key_a) in enumerate(purchases):
            for t_b, b, key_b in purchases[i + 1 :]:
                if t_b - t_a > window:
                    break
                if key_b == key_a or a == b:
                    continue
                f[(a, b)] = 1.0
                w[(a, b)] = max(w.get((a, b), 0.0), options.follow_weight)
        v: dict[tuple[int, int], float] = {}
        for key, session in viewed.items():
            session = session[:MAX_BASKET_ITEMS]
            bought_here = set(baskets.get(key, ()))
            for i, a in enumerate(session):
                for b in session[i + 1 :]:
                    if a in bought_here and b in bought_here:
                        continue  # bought together: not alternatives
                    v[(a, b)] = v[(b, a)] = 1.0
        weight.add_customer(w)
        together.add_customer(t)
        after.add_customer(f)
        coview.add_customer(v)
    return CoCounts(
        weight=weight.matrix(n_items),
        together=together.matrix(n_items),
        after=after.matrix(n_items),
        coview=coview.matrix(n_items),
        buyers=buyers,
        viewers=viewers,
    )
