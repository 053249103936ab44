"""Use cases: train a new model version, list versions, and choose which one is served.

Which version is served is the model store's ``active_version()`` (a pin, else the newest good
version); a running server polls it, so ``shelfwise models rollback`` from another shell switches
it within the poll interval, and ``POST /v1/admin/rollback`` does the same at once.
"""

from __future__ import annotations

from shelfwise.service.context import ServiceContext
from shelfwise.storage.models import Manifest, VersionInfo
from shelfwise.training.job import TrainOptions, train


class ModelService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def train(self, options: TrainOptions) -> Manifest:
        directory = train(self._ctx.settings, self._ctx.store, options)
        return self._ctx.models.manifest(directory.name)

    def versions(self) -> list[VersionInfo]:
        return self._ctx.models.list_versions()

    def pinned(self) -> str | None:
        return self._ctx.models.pinned()

    def active(self) -> str:
        return self._ctx.models.active_version()

    def rollback(self) -> str:
        return self._ctx.models.rollback()

    def use(self, version: str) -> str:
        """Pin ``version``, or follow the newest good version again with ``"latest"``."""
        if version == "latest":
            return self._ctx.models.use_latest()
        self._ctx.models.pin(version)
        return version


__all__ = ["ModelService", "TrainOptions"]
