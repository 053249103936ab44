"""Use case: the main job on a generated demo shop (generate → ingest → identity → train)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shelfwise.demo import ShopFiles, generate_shop
from shelfwise.ingest import IngestReport
from shelfwise.service.context import ServiceContext
from shelfwise.service.ingest import IngestService


@dataclass
class DemoResult:
    shop: ShopFiles
    reports: list[IngestReport]
    stats: dict[str, Any]
    model_dir: Path | None


def run_demo(
    ctx: ServiceContext,
    seed: int = 7,
    n_customers: int = 1500,
    train_minutes: float = 5.0,
    say: Callable[[str], None] = lambda _: None,
    encoder: str | None = None,  # None: chosen from the catalog's language (tests plug in "fake")
) -> DemoResult:
    shop_dir = ctx.settings.home / "demo-shop"
    say(f"generating a demo omnichannel shop in {shop_dir} ...")
    shop = generate_shop(shop_dir, seed=seed, n_customers=n_customers)
    say(
        f"  {shop.n_items} items, {shop.n_accounts} accounts of {shop.n_people} people, {shop.n_events} events"
    )
    ingest = IngestService(ctx)
    reports = []
    for kind, path in (
        ("items", shop.items_path),
        ("users", shop.accounts_path),
        ("events", shop.events_path),
    ):
        report = ingest.ingest_file(kind, path)  # type: ignore[arg-type]
        say(f"ingested {kind}: {report.rows} rows, {report.stored} stored, {len(report.rejected)} rejected")
        reports.append(report)
    model_dir = None
    if train_minutes > 0:
        from shelfwise.training.job import TrainOptions, train

        say("training (language-model embeddings + next-item model) ...")
        model_dir = train(
            ctx.settings, ctx.store, TrainOptions(seed=seed, max_minutes=train_minutes, encoder=encoder)
        )
    return DemoResult(shop, reports, ctx.store.stats(), model_dir)
