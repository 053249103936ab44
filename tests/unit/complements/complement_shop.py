"""A trained demo shop (fake text encoder) plus two brand-new items nobody has bought or viewed: a
"Nimbus X15" phone and its case, both without a category. The fixture lives in conftest.py."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shelfwise.complements import COMPLEMENTS_DIR, fit_complements
from shelfwise.demo import ShopTruth, generate_shop
from shelfwise.encoders import HashingEncoder
from shelfwise.history import load_training_view
from shelfwise.service.context import ServiceContext
from shelfwise.service.ingest import IngestService
from shelfwise.service.lists import ListService
from shelfwise.settings import Settings
from shelfwise.storage.models import Manifest
from shelfwise.training.nextitem import catalog_texts

NEW_ITEMS = [
    {
        "item_id": "new-phone",
        "title": "Nimbus X15 Smartphone 256GB Aurora Violet",
        "brand": "Nimbus",
        "price": 1099.99,
        "currency": "USD",
        "description": "The Nimbus X15 with a 6.7-inch OLED display and a triple-lens camera. 5G, unlocked.",
        "in_stock": True,
    },
    {
        "item_id": "new-case",
        "title": "Case for Nimbus X15, Slim, Black",
        "brand": "Shellcraft",
        "price": 24.99,
        "currency": "USD",
        "description": "Slim polycarbonate case made for the Nimbus X15. Raised edges protect the screen and camera.",
        "in_stock": True,
    },
]


@dataclass(frozen=True)
class TrainedShop:
    ctx: ServiceContext
    truth: ShopTruth
    service: ListService


def build_trained_shop(root: Path) -> TrainedShop:
    shop = generate_shop(root / "shop", seed=7, n_customers=1200, days=120)
    extra = root / "new_items.jsonl"
    extra.write_text("".join(json.dumps(row) + "\n" for row in NEW_ITEMS))
    ctx = ServiceContext(Settings(home=root / "home"))
    ingest = IngestService(ctx)
    for kind, path in (
        ("items", shop.items_path),
        ("items", extra),
        ("users", shop.accounts_path),
        ("events", shop.events_path),
    ):
        ingest.ingest_file(kind, path)
    publish_complements(ctx)
    return TrainedShop(ctx, shop.truth, ListService(ctx))


def publish_complements(ctx: ServiceContext) -> None:
    """The complement part of ``shelfwise train`` only (same functions, fake encoder), so these tests
    do not wait for the other models; the CLI test runs the whole ``shelfwise train``."""
    items = list(ctx.store.iter_items())
    index, _ = load_training_view(ctx.store)
    embeddings = HashingEncoder().encode_batch(catalog_texts(items, index))
    writer = ctx.models.new_version()
    np.save(writer.path / "item_embeddings.npy", embeddings)
    (writer.path / "items.json").write_text(
        json.dumps({"item_ids": index.item_ids, "known": index.known.tolist()})
    )
    fit_complements(ctx.store, items, index, embeddings, writer.path / COMPLEMENTS_DIR)
    writer.publish(Manifest(version=writer.version, created_at=time.time(), status="ok"))


def kinds_of(truth: ShopTruth, item_ids: list[str]) -> list[str]:
    return [truth.item_kinds.get(item_id, item_id) for item_id in item_ids]
