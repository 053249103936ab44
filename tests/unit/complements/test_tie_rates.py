"""The tie rates fitted from groups of mentions equal the per-anchor definition (every anchor's full
``Ties``), on a phone shop with exact, listed and brand ties and on real Home Depot titles, whose
bare numbers ("2", "4") make the large mention groups that made the per-anchor fit quadratic."""

from __future__ import annotations

import csv
import gzip
import random
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from shelfwise.complements import ComplementModel, build_complement_model
from shelfwise.complements.baskets import count_pairs
from shelfwise.complements.ties import Ties
from shelfwise.domain import Event, Item
from shelfwise.encoders import HashingEncoder
from shelfwise.history import build_item_index

DAY = 86400.0


def _per_anchor_rates(model: ComplementModel, weight: sp.csr_matrix) -> np.ndarray:
    """The definition: each anchor's full ties, the share of its pair weight that fell on them."""
    n_categories = len(model.category_names)
    category_of = model.category_of
    total = np.zeros((n_categories, n_categories), dtype=np.float64)
    tied = np.zeros_like(total)
    for anchor in range(weight.shape[0]):
        start, end = weight.indptr[anchor], weight.indptr[anchor + 1]
        if start == end:
            continue
        ties: Ties = model.fresh_ties(anchor)
        if not ties.weight.any():
            continue
        items, values = weight.indices[start:end], weight.data[start:end]
        with_ties = np.zeros(n_categories, dtype=bool)
        with_ties[category_of[ties.weight > 0]] = True
        counted = with_ties[category_of[items]]
        np.add.at(total[category_of[anchor]], category_of[items[counted]], values[counted])
        np.add.at(
            tied[category_of[anchor]], category_of[items[counted]], (values * ties.weight[items])[counted]
        )
    overall = float(tied.sum() / total.sum()) if total.sum() > 0 else 0.0
    prior = model.config.category_prior
    return ((tied + prior * overall) / (total + prior)).astype(np.float32)


def _fit(items: list[Item], events: list[Event]) -> tuple[ComplementModel, sp.csr_matrix]:
    index = build_item_index(items, events)
    vectors = HashingEncoder().encode_batch([i.title for i in items])
    model = build_complement_model(items, index, events, {}, vectors)
    position = {item_id: n for n, item_id in enumerate(index.item_ids)}
    counts = count_pairs(events, position, {}, len(index))
    return model, counts.weight.tocsr()


def _shoppers(items: list[Item], n: int, seed: int) -> list[Event]:
    """Each shopper buys 2–5 items a day apart, half of the time an item and one naming the same code."""
    rng = random.Random(seed)
    events: list[Event] = []
    for shopper in range(n):
        t = shopper * 10 * DAY
        for _ in range(rng.randint(2, 5)):
            events.append(Event(f"u{shopper}", "purchase", t, item_id=rng.choice(items).item_id))
            t += DAY
    events.sort(key=lambda e: e.timestamp)
    return events


def _phone_shop() -> list[Item]:
    items: list[Item] = []
    for brand, line, codes in (("Apple", "iPhone", ["14", "15"]), ("Samsung", "Galaxy", ["S23", "S24"])):
        for code in codes:
            items.append(
                Item(f"{line}-{code}", f"{brand} {line} {code} 128GB", brand=brand, category=("Phones",))
            )
            items.append(
                Item(f"{line}-{code}-pro", f"{line} {code} Pro 256GB", brand=brand, category=("Phones",))
            )
            items.append(Item(f"case-{code}", f"Case for {line} {code}", category=("Cases",)))
            items.append(Item(f"glass-{code}", f"Screen glass for {line} {code} Pro", category=("Screen",)))
            items.append(
                Item(f"listed-{code}", "Universal grip", category=("Cases",),
                     attributes={"compatible_with": [f"{line} {code}"]})
            )  # fmt: skip
        items.append(Item(f"charger-{brand}", f"{brand} 20W Charger", category=("Chargers",)))
    items.append(Item("tab-s24", "Galaxy Tab S24 Cover", category=("Cases",)))
    items += [Item(f"sock-{n}", f"Wool socks size {n}", category=("Socks",)) for n in range(4)]
    return items


def test_the_phone_shop_gets_the_per_anchor_rates_exactly() -> None:
    items = _phone_shop()
    for seed in (0, 1, 2):
        model, weight = _fit(items, _shoppers(items, 400, seed))
        reference = _per_anchor_rates(model, weight)
        assert np.allclose(model.fit_rate, reference, atol=1e-6)
        # Known answer: phones → cases is tied (cases name the phones); socks tie nothing, so the
        # rates of socks are the catalog-wide share only.
        assert not np.allclose(model.fit_rate, model.fit_rate.mean())


def test_home_depot_titles_get_the_per_anchor_rates(shared_data: Path) -> None:
    path = shared_data / "homedepot_search_relevance" / "products.csv.gz"
    with gzip.open(path, "rt") as handle:
        rows = [row for _, row in zip(range(1500), csv.DictReader(handle), strict=False)]
    rng = random.Random(3)
    items = [
        Item(row["product_uid"], row["product_title"], category=(f"c{rng.randrange(12)}",)) for row in rows
    ]
    model, weight = _fit(items, _shoppers(items, 3000, 4))
    assert np.allclose(model.fit_rate, _per_anchor_rates(model, weight), atol=1e-6)
