"""``shelfwise demo``: the main job on a generated shop, no external data needed."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from shelfwise.cli.common import context
from shelfwise.service.context import ServiceContext


def demo(
    customers: Annotated[int, typer.Option(help="People in the generated shop.")] = 1500,
    seed: Annotated[int, typer.Option()] = 7,
    train_minutes: Annotated[float, typer.Option(help="Training budget; 0 skips training.")] = 5.0,
) -> None:
    """Generate a fictional omnichannel shop, ingest it, link customers, train, and show results."""
    from shelfwise.service.customers import CustomerService
    from shelfwise.service.demo import run_demo

    ctx = context()
    result = run_demo(ctx, seed=seed, n_customers=customers, train_minutes=train_minutes, say=typer.echo)
    typer.echo("\nstore: " + json.dumps(result.stats))

    service = CustomerService(ctx)
    multi = [c for c in service.customers() if len(c.event_channels) >= 2]
    typer.echo(f"customers active in 2+ channels: {len(multi)}")
    if multi:
        example = max(multi, key=lambda c: len(c.user_ids))
        view = service.show(example.customer_id)
        typer.echo(f"\nexample customer {example.customer_id}: accounts {', '.join(example.user_ids)}")
        for link in view.explanation.links:
            typer.echo(f"  {link.user_a} <-> {link.user_b} linked by the same {link.kind}")
        typer.echo(f"  events by channel: {example.event_channels}")
        if result.model_dir is not None:
            from shelfwise.service.lists import ListService

            recs = ListService(ctx).recommend(example.user_ids[0], k=5)
            typer.echo(f"\nrecommendations for {example.user_ids[0]} (model {recs.model_version}):")
            for scored in recs.items:
                item = ctx.store.get_item(scored.item_id)
                typer.echo(f"  - {item.title if item else scored.item_id}  ({'; '.join(scored.reasons)})")
    if result.model_dir is not None:
        _show_complements_and_search(ctx)
    typer.echo(
        f"\ndata in {ctx.settings.home}; try: SHELFWISE_HOME={ctx.settings.home} .venv/bin/shelfwise "
        f"customers show {multi[0].user_ids[0] if multi else 'USER_ID'}"
    )


def _show_complements_and_search(ctx: ServiceContext) -> None:
    """What completes a best-selling phone, and a messy query, on the freshly trained model."""
    from shelfwise.service.lists import ListService

    lists = ListService(ctx)

    phones = [item for item in ctx.store.iter_items() if "Phones" in item.category]
    if phones:
        anchor = phones[0]
        typer.echo(f"\nwhat goes with “{anchor.title}”:")
        for scored in lists.complementary([anchor.item_id], k=4).items:
            item = ctx.store.get_item(scored.item_id)
            typer.echo(f"  - {item.title if item else scored.item_id}  ({'; '.join(scored.reasons)})")
    query = "wireless earbuds under $100"
    try:
        typer.echo(f"\nsearch “{query}”:")
        for scored in lists.search(query, k=4).items:
            item = ctx.store.get_item(scored.item_id)
            price = f" ${item.price:.2f}" if item and item.price is not None else ""
            typer.echo(f"  - {item.title if item else scored.item_id}{price}  ({'; '.join(scored.reasons)})")
    finally:
        lists.close()
