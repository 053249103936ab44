"""One typed settings root. Every field can be set from the environment with the prefix
``SHELFWISE_`` (nested fields with ``__``, e.g. ``SHELFWISE_IDENTITY__MAX_ACCOUNTS_PER_KEY=20``).
See ``docs/settings.example.env`` for a commented example.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shelfwise.encoders.settings import EncoderSettings


class IdentitySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A strong key (email, phone, loyalty id) shared by more accounts than this is treated as a
    # shared/default value (a store's phone typed for every walk-in) and never links accounts.
    max_accounts_per_key: int = Field(10, ge=2)
    # Calling code assumed for phone numbers written without one ("national form").
    default_country_code: str = Field("1", pattern=r"^\d{1,3}$")


class IngestSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Rows per transaction: a crash loses at most one uncommitted batch, which a re-run redoes.
    batch_size: int = Field(5000, ge=1)


class TrainingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int = 0
    max_minutes: float = Field(20.0, gt=0)
    # Items the customer already bought are excluded from recommendations by default.
    exclude_purchased: bool = True


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHELFWISE_", env_nested_delimiter="__", extra="forbid")

    home: Path = Path("shelfwise-data")
    # sqlite:///path/to/file.db (default: <home>/shelfwise.db) or memory:// for tests.
    store_url: str | None = None
    # Threads for numeric libraries. 1 by default: on a shared machine more threads are slower.
    threads: int = Field(1, ge=1)
    identity: IdentitySettings = IdentitySettings()
    ingest: IngestSettings = IngestSettings()
    training: TrainingSettings = TrainingSettings()
    encoders: EncoderSettings = EncoderSettings()

    def resolved_store_url(self) -> str:
        return self.store_url or f"sqlite:///{(self.home / 'shelfwise.db').as_posix()}"

    @property
    def secret_path(self) -> Path:
        """Per-installation HMAC secret for pseudonymizing identity keys."""
        return self.home / "secret.key"

    @property
    def artifacts_dir(self) -> Path:
        return self.home / "models"
