"""Fit the complement model from the store; called by ``shelfwise train`` (artifact ``complements/``)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from shelfwise.complements.baskets import PAIR_TYPES, BasketOptions, count_pairs
from shelfwise.complements.categories import category_name, infer_labels
from shelfwise.complements.compat import ModelNames
from shelfwise.complements.model import ComplementConfig, ComplementModel
from shelfwise.domain import Event, Item
from shelfwise.history import ItemIndex, customer_of_users
from shelfwise.storage.base import Store
from shelfwise.storage.columns import EventColumns

COMPLEMENTS_DIR = "complements"


def build_complement_model(
    items: Iterable[Item],
    index: ItemIndex,
    events: Iterable[Event],
    customer_of: dict[str, str],
    embeddings: np.ndarray,
    config: ComplementConfig | None = None,
    baskets: BasketOptions | None = None,
) -> ComplementModel:
    """The model from plain inputs (also used by the benchmark, on data that never saw a store)."""
    by_id = {item.item_id: item for item in items}
    catalog = [by_id.get(item_id) for item_id in index.item_ids]
    titles = [item.title if item else item_id for item, item_id in zip(catalog, index.item_ids, strict=True)]
    attributes = [item.attributes if item else {} for item in catalog]
    paths = [category_name(item.category) if item and item.category else None for item in catalog]
    labels = infer_labels(paths, embeddings, index.known)
    position = {item_id: n for n, item_id in enumerate(index.item_ids)}
    counts = count_pairs(events, position, customer_of, len(index), baskets)
    brands = sorted({item.brand for item in catalog if item and item.brand})
    reader = ModelNames.from_brands(brands)
    models = [
        reader.of_item(title, item.description if item else None, attrs, item.brand if item else None)
        for title, item, attrs in zip(titles, catalog, attributes, strict=True)
    ]
    return ComplementModel.fit(
        counts, labels, titles, attributes, embeddings, index.known, config, models, brands
    )


def fit_complements(
    store: Store,
    items: list[Item],
    index: ItemIndex,
    embeddings: np.ndarray,
    directory: Path,
    columns: EventColumns | None = None,
) -> dict[str, float]:
    """Fit from every channel's baskets, carts and views; save into ``directory``; return stats.
    ``columns``: the store's events already read (``event_columns``), instead of reading them again."""
    if columns is None:
        events: Iterable[Event] = (stored.event for stored in store.iter_events(types=PAIR_TYPES))
    else:
        events = columns.events(np.flatnonzero(columns.type.mask_of(PAIR_TYPES)))
    model = build_complement_model(items, index, events, customer_of_users(store), embeddings)
    model.save(directory)
    return {
        "complement_pairs": float(model.m["confidence"].nnz),
        "categories": float(len(model.category_names)),
        "categories_inferred_items": float(model.category_inferred.sum()),
    }
