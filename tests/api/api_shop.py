"""A tiny shop whose right answers are known, trained with the transitions model and the fake encoder.

Other shoppers buy phone → case and kettle → tea; socks are the best seller. So a customer with no
history gets socks first, and right after viewing a kettle they must get tea first.
"""

from __future__ import annotations

from pathlib import Path

from shelfwise.service.context import ServiceContext
from shelfwise.service.ingest import IngestService
from shelfwise.settings import Settings
from shelfwise.testing.files import jsonl_file
from shelfwise.training.job import TrainOptions, train

ITEMS = [
    ("phone", "Nimbus X12 Smartphone 128GB", "Phones"),
    ("case", "Case for Nimbus X12, Shockproof", "Phones > Cases"),
    ("kettle", "Electric Kettle 1.7L Stainless Steel", "Kitchen"),
    ("tea", "Green Tea Loose Leaf 250g", "Kitchen > Tea"),
    ("socks", "Running Socks 3-Pack", "Sports"),
]
T0 = 1_700_000_000


def shop_settings(home: Path) -> Settings:
    """Fake encoders everywhere: no language model is loaded by these tests."""
    return Settings(home=home, search={"encoder": "fake"})


def build_shop(home: Path, work: Path) -> Settings:
    settings = shop_settings(home)
    ctx = ServiceContext(settings)
    ingest = IngestService(ctx)
    ingest.ingest_file(
        "items",
        jsonl_file(work / "items.jsonl", [{"item_id": i, "title": t, "category": c} for i, t, c in ITEMS]),
    )
    events = []
    for n in range(30):
        first, second = ("phone", "case") if n % 2 == 0 else ("kettle", "tea")
        for offset, item in enumerate((first, second)):
            events.append(
                {
                    "user_id": f"web-{n}",
                    "item_id": item,
                    "type": "purchase",
                    "timestamp": T0 + n * 100 + offset * 5,
                    "channel": "web",
                }
            )
    for n in range(40):
        events.append(
            {
                "user_id": f"app-{n}",
                "item_id": "socks",
                "type": "purchase",
                "timestamp": T0 + n,
                "channel": "app",
            }
        )
    events.append(
        {
            "user_id": "store-ann",
            "item_id": "phone",
            "type": "purchase",
            "timestamp": T0 + 9999,
            "channel": "store",
        }
    )
    ingest.ingest_file("events", jsonl_file(work / "events.jsonl", events))
    ingest.ingest_file(
        "users",
        jsonl_file(
            work / "accounts.jsonl",
            [
                {"user_id": "store-ann", "channel": "store", "email": "ann@example.com"},
                {"user_id": "web-bob", "channel": "web", "email": "bob@example.com"},
            ],
        ),
    )
    train_version(ctx)
    ctx.close()
    return settings


def train_version(ctx: ServiceContext) -> Path:
    return train(
        ctx.settings,
        ctx.store,
        TrainOptions(seed=0, max_minutes=1, progress=False, encoder="fake", model="transitions"),
    )
