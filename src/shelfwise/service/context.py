"""What every use case needs: settings, the store (opened on first use) and the identity secret."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from shelfwise.identity import KeyHasher, load_or_create_secret
from shelfwise.settings import Settings
from shelfwise.storage import Store, open_store
from shelfwise.storage.models import ModelStore


@dataclass
class ServiceContext:
    settings: Settings = field(default_factory=Settings)

    @cached_property
    def store(self) -> Store:
        if not self.settings.store_url:
            self.settings.home.mkdir(parents=True, exist_ok=True)
        return open_store(self.settings.resolved_store_url())

    @cached_property
    def models(self) -> ModelStore:
        """The one model store: every use case asks it which version is served."""
        return ModelStore(self.settings.artifacts_dir)

    @cached_property
    def hasher(self) -> KeyHasher:
        if self.settings.resolved_store_url() == "memory://":
            # An in-memory store lives for one process: a throwaway secret is enough.
            import secrets

            return KeyHasher(secrets.token_bytes(32))
        return KeyHasher(load_or_create_secret(self.settings.secret_path))

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
            del self.__dict__["store"]
