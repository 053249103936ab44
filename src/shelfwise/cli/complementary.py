"""``shelfwise complementary --items A,B -k 10 [--json] [--bundle]`` and ``shelfwise similar ITEM -k 10``."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from shelfwise.cli.common import EXIT_ERROR, context, err, items_json, print_ranked, ranked_json
from shelfwise.domain import ScoredItem
from shelfwise.service.pipeline import RankedList

VERSION_HELP = "Model version (default: the served one, honouring a rollback pin)."


def _print(ranked: RankedList, as_json: bool, heading: str) -> None:
    if as_json:
        typer.echo(json.dumps(ranked_json(ranked), ensure_ascii=False))
        return
    print_ranked(heading, ranked)


def complementary(
    items: Annotated[str, typer.Option("--items", help="Item ids, comma-separated (a product or a cart).")],
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=1000, help="How many items.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help='Print JSON: {"items": [...]}.')] = False,
    bundle: Annotated[
        bool, typer.Option("--bundle", help="A frequently-bought-together bundle with its price.")
    ] = False,
    size: Annotated[int, typer.Option(help="Bundle size, anchors included.", min=2, max=10)] = 3,
    user: Annotated[str | None, typer.Option(help="Hide what this customer already bought.")] = None,
    placement: Annotated[
        str | None, typer.Option(help="Rules: product or cart (default: by item count).")
    ] = None,
    version: Annotated[str | None, typer.Option(help=VERSION_HELP)] = None,
) -> None:
    """Items that go with a product or a cart (other kinds of items), with reasons."""
    from shelfwise.service.lists import ListService

    ids = [part.strip() for part in items.split(",") if part.strip()]
    if not ids:
        err("give at least one item id with --items")
        raise typer.Exit(EXIT_ERROR)
    service = ListService(context(), version)
    if bundle:
        found = service.bundle(ids, size)
        if as_json:
            payload = {
                "anchors": list(found.anchors),
                "items": items_json(found.items),
                "total_price": found.total_price,
                "currency": found.currency,
                "model_version": found.model_version,
            }
            typer.echo(json.dumps(payload, ensure_ascii=False))
            return
        price = (
            f"{found.total_price:.2f} {found.currency or ''}".strip()
            if found.total_price is not None
            else "n/a"
        )
        typer.echo(
            f"Frequently bought together with {', '.join(ids)} (total {price}, model {found.model_version}):"
        )
        _print_items(found.items)
        return
    _print(
        service.complementary(ids, k, placement=placement, user_id=user),
        as_json,
        f"Goes with {', '.join(ids)}:",
    )


def similar(
    item_id: Annotated[str, typer.Argument(help="An item id.")],
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=1000, help="How many items.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help='Print JSON: {"items": [...]}.')] = False,
    version: Annotated[str | None, typer.Option(help=VERSION_HELP)] = None,
) -> None:
    """The same kind of item: similar text and what shoppers compared it with."""
    from shelfwise.service.lists import ListService

    _print(ListService(context(), version).similar(item_id, k), as_json, f"Similar to {item_id}:")


def _print_items(items: tuple[ScoredItem, ...]) -> None:
    store = context().store
    for rank, scored in enumerate(items, start=1):
        item = store.get_item(scored.item_id)
        typer.echo(
            f"{rank:>3}. {item.title if item else scored.item_id}  [{scored.item_id}]  score {scored.score:.3f}"
        )
        for reason in scored.reasons:
            typer.echo(f"       - {reason}")
