"""One typed settings root. Every field can be set from the environment with the prefix
``SHELFWISE_`` (nested fields with ``__``, e.g. ``SHELFWISE_IDENTITY__MAX_ACCOUNTS_PER_KEY=20``).
See ``docs/settings.example.env`` for a commented example.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shelfwise.settings.audit import AuditSettings
from shelfwise.settings.ctr import CtrSettings
from shelfwise.settings.encoders import EncoderSettings
from shelfwise.settings.feedback import FeedbackSettings
from shelfwise.settings.negatives import NegativeSettings
from shelfwise.settings.rules import RulesSettings
from shelfwise.settings.search import SearchSettings


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


class ServeSettings(BaseModel):
    """``shelfwise serve``: the HTTP API and the live serving engine."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"  # local-only by default: exposing the API is an explicit choice
    port: int = Field(8000, ge=1, le=65535)
    # Require an API key (Authorization: Bearer ...) on every route but /healthz and /metrics.
    # `shelfwise serve --no-auth` turns it off for a local demo.
    auth: bool = True
    max_body_bytes: int = Field(1_048_576, ge=1024)  # larger request bodies get 413
    max_batch_rows: int = Field(1000, ge=1)  # more records in one POST get 413
    # Seconds between checks for a newer trained model version (0 = only on POST /v1/admin/reload).
    reload_poll_seconds: float = Field(5.0, ge=0)
    # Seconds between catch-ups with writes made by other processes (other workers, `shelfwise
    # ingest`): their events, forgets and identity changes reach this server within this delay.
    sync_seconds: float = Field(0.2, gt=0)
    # Engagement events kept per customer in the live profile (models read the last few).
    profile_max_items: int = Field(200, ge=1)
    # Customers whose next-item ranking (before rules) is kept per served version; an entry is
    # used only while the customer has no newer event (service/placements/ranking_cache.py). 0: off.
    ranking_cache_customers: int = Field(20_000, ge=0)
    # Finished recommendation lists (after rules, reasons, new arrivals; with their JSON) kept for
    # repeated requests: (user, placement, k, exclude), reused only while the customer's profile,
    # the catalog, the change log, the model version and the experiments are unchanged
    # (service/served_cache.py). 0: off.
    served_list_cache_lists: int = Field(10_000, ge=0)
    # Seconds a verified API key is trusted before it is checked again (revocation delay).
    key_cache_seconds: float = Field(5.0, ge=0)
    # Rate limits (429 with Retry-After): requests per minute per API key and per client address,
    # with up to ``rate_limit_burst`` at once; 0 turns a limit off. Counted per worker process, or
    # across every server when ``redis_url`` is set.
    # Generous by default: a shop's own backend is one address and one key calling for every page.
    rate_limit_key_per_minute: float = Field(30_000, ge=0)
    rate_limit_address_per_minute: float = Field(30_000, ge=0)
    rate_limit_burst: int = Field(500, ge=1)
    # A Redis shared by every server (redis://host:6379/0, `pip install 'shelfwise[redis]'`): rate
    # limits then hold across all of them instead of per process. Unset: no Redis is used.
    redis_url: str | None = None
    # Names every key this shop writes in that Redis (two shops can share one Redis).
    redis_prefix: str = Field("shelfwise", min_length=1)
    # DELETE /v1/customers/{id} recounts the served model's statistics (transitions, popularity,
    # trending, complement pairs) without the customer and serves the result before answering.
    refit_on_forget: bool = True


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHELFWISE_", env_nested_delimiter="__", extra="forbid")

    home: Path = Path("shelfwise-data")
    # sqlite:///path/to/file.db (default: <home>/shelfwise.db), memory:// for tests, or
    # postgresql://user@host:port/db for several servers on one database (docs/postgres.md).
    store_url: str | None = None
    # Threads for numeric libraries. 1 by default: on a shared machine more threads are slower.
    threads: int = Field(1, ge=1)
    identity: IdentitySettings = IdentitySettings()
    ingest: IngestSettings = IngestSettings()
    training: TrainingSettings = TrainingSettings()
    encoders: EncoderSettings = EncoderSettings()
    # Business rules per placement (home, product, cart, search): filters, pins, caps, diversity.
    rules: RulesSettings = RulesSettings()
    serve: ServeSettings = ServeSettings()
    # Product search: encoder, candidates per retriever, catalog refresh, personalization weight.
    search: SearchSettings = SearchSettings()
    # Suspicious-activity filter run before every training (brushing bursts, rings, bots).
    audit: AuditSettings = AuditSettings()
    # The feedback loop: attribution window, impression logging (docs/feedback.md).
    feedback: FeedbackSettings = FeedbackSettings()
    # Dismissed, returned and 1–2 star items: out of the customer's lists, near duplicates lowered.
    negatives: NegativeSettings = NegativeSettings()
    # Click and conversion models learned from logged impressions: the last scoring stage.
    ctr: CtrSettings = CtrSettings()

    def resolved_store_url(self) -> str:
        return self.store_url or f"sqlite:///{(self.home / 'shelfwise.db').as_posix()}"

    @property
    def secret_path(self) -> Path:
        """Per-installation HMAC secret for pseudonymizing identity keys."""
        return self.home / "secret.key"

    @property
    def artifacts_dir(self) -> Path:
        return self.home / "models"
