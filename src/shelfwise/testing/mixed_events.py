"""A small store whose events exercise every rule of histories, audits and profiles: several
accounts per customer, users without an account, every event type, low and high ratings, returns
before and after purchases, repeats, ties in time, items outside the catalog, events without an
item. Tests compare what the column-wise readers build from it with what ``iter_events`` builds."""

from __future__ import annotations

import random

from shelfwise.domain import Event, Item, customer_id_for
from shelfwise.storage.base import Store

TYPES = ("view", "click", "add_to_cart", "purchase", "rate", "review", "search", "dismiss", "return")
CHANNELS = ("web", "app", "store", None)


def mixed_events(n: int = 600, seed: int = 0) -> list[Event]:
    rng = random.Random(seed)
    events = []
    for k in range(n):
        kind = rng.choice(TYPES)
        item = None if kind == "search" and rng.random() < 0.7 else f"i{rng.randrange(12)}"
        value = float(rng.randint(1, 5)) if kind in ("rate", "review") and rng.random() < 0.9 else None
        events.append(
            Event(
                f"u{rng.randrange(15)}",
                kind,
                float(rng.randrange(n // 3)),  # many ties in time: the store's order breaks them
                item_id=item,
                channel=rng.choice(CHANNELS),
                value=value,
                query="lipstick" if kind == "search" else None,
                session_id=f"s{rng.randrange(5)}" if rng.random() < 0.5 else None,
                store_id="st1" if rng.random() < 0.1 else None,
                event_id=f"e{k}" if rng.random() < 0.3 else None,
                position=rng.randrange(4) if rng.random() < 0.1 else None,
            )
        )
    return events


def mixed_store(store: Store, n: int = 600, seed: int = 0) -> list[Item]:
    """Fill ``store``: the catalog (items i0..i7; i8..i11 appear only in events), accounts for
    u0..u11 (u0+u1+u2 one customer, u3+u4 another), the events. Returns the catalog."""
    items = [Item(f"i{n}", f"thing {n}") for n in range(8)]
    store.upsert_items(items)
    users = {f"u{n}": "web" for n in range(12)}  # u12..u14: events only, no account
    store.ensure_accounts(users.items(), {u: customer_id_for(u) for u in users})
    store.set_customer_ids(
        {"u1": customer_id_for("u0"), "u2": customer_id_for("u0"), "u4": customer_id_for("u3")}
    )
    store.append_events([(f"k{k}", event) for k, event in enumerate(mixed_events(n, seed))])
    return items
