"""``shelfwise train``."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import typer

from shelfwise.cli.common import context


def train(
    max_minutes: Annotated[float, typer.Option(help="Wall-clock budget for the whole job.")] = 20.0,
    seed: Annotated[int, typer.Option(help="Random seed (same data + seed → same model).")] = 0,
    encoder: Annotated[
        str | None,
        typer.Option(
            help="Text encoder: minilm (English) or use (multilingual); default: by catalog language."
        ),
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="Next-item model: candidate_ranker (default), transitions, popularity.")
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            help="Where the heavy stages run: local (this process) or ray (Ray tasks; the `ray` extra)."
        ),
    ] = "local",
    address: Annotated[
        str | None,
        typer.Option(help="--engine ray: a running Ray cluster's address (default: start a local one)."),
    ] = None,
) -> None:
    """Train every model from the store and publish a new model version."""
    from shelfwise.service.models import ModelService, TrainOptions  # heavy imports: only when training

    options = TrainOptions(
        seed=seed, max_minutes=max_minutes, encoder=encoder, engine=engine, address=address
    )
    if model is not None:
        options = replace(options, model=model)
    manifest = ModelService(context()).train(options)
    directory = context().models.path(manifest.version)
    typer.echo(f"trained {manifest.version} in {manifest.timings.get('total_s', 0):.0f}s → {directory}")
    for name, value in sorted(manifest.metrics.items()):
        typer.echo(f"  validation {name}: {value:.4f}")
    # What was left out to keep --max-minutes, and why (also in the manifest's components).
    for step, reason in sorted(manifest.components.get("skipped", {}).items()):
        typer.echo(f"  skipped {step}: {reason}")
