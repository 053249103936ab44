"""Shared CLI plumbing: the service context of this invocation and error → exit code mapping."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer

from shelfwise.domain import ScoredItem
from shelfwise.service.context import ServiceContext
from shelfwise.service.pipeline import RankedList
from shelfwise.settings import Settings

EXIT_OK = 0
EXIT_REJECTED = 1  # the command ran, but some input rows were rejected
EXIT_ERROR = 2  # the command could not do its job

_context: ServiceContext | None = None


def context() -> ServiceContext:
    global _context
    if _context is None:
        _context = ServiceContext(Settings())
    return _context


def set_home(home: Path | None) -> None:
    global _context
    settings = Settings(home=home) if home is not None else Settings()
    _context = ServiceContext(settings)


def err(message: str) -> None:
    typer.echo(message, err=True)


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()


def items_json(items: Sequence[ScoredItem]) -> list[dict[str, Any]]:
    """The item list every command prints as JSON: ``[{"item_id", "score", "reasons"}]``."""
    return [{"item_id": s.item_id, "score": s.score, "reasons": list(s.reasons)} for s in items]


def ranked_json(ranked: RankedList, **extra: Any) -> dict[str, Any]:
    """What every ranked-list command prints as JSON: the list's stamp and its items."""
    return {
        **extra,
        "request_id": ranked.request_id,
        "placement": ranked.placement,
        "model_version": ranked.model_version,
        "customer_id": ranked.customer_id,
        "items": items_json(ranked.items),
        **({"relaxed": [step.as_dict() for step in ranked.relaxed]} if ranked.kind == "search" else {}),
        **({"redirect": ranked.redirect} if ranked.redirect else {}),
    }


def print_ranked(heading: str, ranked: RankedList, show_price: bool = False) -> None:
    """A numbered, human-readable list: title, id, (price,) score, then one line per reason."""
    store = context().store
    model = f"model {ranked.model_version}" if ranked.model_version else "no trained model yet"
    typer.echo(f"{heading}  ({model})")
    for rank, scored in enumerate(ranked.items, start=1):
        item = store.get_item(scored.item_id)
        title = item.title if item else scored.item_id
        price = f"  {item.price:g}" if show_price and item is not None and item.price is not None else ""
        typer.echo(f"{rank:>3}. {title}  [{scored.item_id}]{price}  score {scored.score:.3f}")
        for reason in scored.reasons:
            typer.echo(f"       - {reason}")
    if ranked.relaxed:
        typer.echo("Relaxed: " + "; ".join(str(step) for step in ranked.relaxed))
