"""``shelfwise train``."""

from __future__ import annotations

from typing import Annotated

import typer

from shelfwise.cli.common import context


def train(
    max_minutes: Annotated[float, typer.Option(help="Wall-clock budget for the whole job.")] = 20.0,
    seed: Annotated[int, typer.Option(help="Random seed (same data + seed → same model).")] = 0,
    encoder: Annotated[
        str | None, typer.Option(help="Text encoder: minilm (English) or use (multilingual); default: by catalog language.")
    ] = None,
) -> None:
    """Train every model from the store and publish a new model version."""
    from shelfwise.training.job import TrainOptions  # heavy imports: only when training
    from shelfwise.training.job import train as run_training

    directory = run_training(context(), TrainOptions(seed=seed, max_minutes=max_minutes, encoder=encoder))
    from shelfwise.training.artifacts import read_manifest

    manifest = read_manifest(directory)
    typer.echo(f"trained {manifest.version} in {manifest.timings.get('total_s', 0):.0f}s → {directory}")
    for name, value in sorted(manifest.metrics.items()):
        typer.echo(f"  validation {name}: {value:.4f}")
