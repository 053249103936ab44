"""SASRec's settings, importable without torch: a next-item model saved without a SASRec (its fit
had too few minutes) loads, and serves, without importing torch (1.5-2.7 s of a server's start-up
on a loaded 2-core machine)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SASRecConfig:
    hidden: int = 64
    blocks: int = 2
    heads: int = 1
    dropout: float = 0.3
    max_length: int = 30
    batch_size: int = 256
    learning_rate: float = 3e-3
    max_epochs: int = 200
    patience: int = 3
    final_epochs: int = 1  # passes over the full sequences after early stopping
    validation_users: int = 4000
    # Items attend only to real earlier items and sit at positions counted from the newest, so a
    # history's states do not depend on how much padding its batch has: training can then batch
    # sequences of similar length (see ``length_batches``). False: models saved before this existed,
    # whose items also attended to the padding.
    ignore_padding: bool = True
