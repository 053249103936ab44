"""Exception hierarchy of Shelfwise.

    ShelfwiseError
    ├── ConfigError          settings or command arguments that cannot work
    ├── StoreError           the store cannot be opened or migrated
    ├── ValidationError      one record is malformed (carries the field and the reason)
    ├── IngestError          a whole input cannot be read (unknown format, missing file)
    ├── NotFoundError        an item, account or customer that does not exist
    ├── ModelError           no trained model, or an artifact that cannot be loaded
    └── ConflictError        a request the current state does not allow (nothing to roll back to)

Entry points (CLI, HTTP API) map these to exit codes and status codes; nothing else should
need to catch bare ``Exception``.
"""

from __future__ import annotations


class ShelfwiseError(Exception):
    """Base class of every error Shelfwise raises on purpose."""


class ConfigError(ShelfwiseError):
    """Settings or arguments that cannot work."""


class StoreError(ShelfwiseError):
    """The store cannot be opened, migrated or written."""


class ValidationError(ShelfwiseError):
    """One record is malformed; ``field`` names the offending field when there is one."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        self.reason = reason
        self.field = field
        super().__init__(f"{field}: {reason}" if field else reason)


class IngestError(ShelfwiseError):
    """A whole input cannot be read."""


class NotFoundError(ShelfwiseError):
    """A requested item, account or customer does not exist."""


class ModelError(ShelfwiseError):
    """No trained model is available, or an artifact cannot be loaded."""


class ConflictError(ShelfwiseError):
    """The request cannot be done in the current state (e.g. no older version to roll back to)."""
