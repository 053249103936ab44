"""Use cases: train a new model version, list versions, and choose which one is served.

Which version is served is the model store's ``active_version()`` (a pin, else the newest good
version); a running server polls it, so ``shelfwise models rollback`` from another shell switches
it within the poll interval, and ``POST /v1/admin/rollback`` does the same at once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from shelfwise.errors import ModelError
from shelfwise.service.context import ServiceContext
from shelfwise.storage.models import Manifest, VersionInfo
from shelfwise.training.job import TrainOptions, train


@dataclass(frozen=True)
class VersionDetails:
    """A version as the store lists it, with its manifest (None when unreadable)."""

    info: VersionInfo
    manifest: Manifest | None

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = asdict(self.info)
        manifest = self.manifest
        if manifest is not None:
            body |= {
                "metrics": manifest.metrics,
                "data": manifest.data,
                "timings": manifest.timings,
                "curves": manifest.curves,
                "importances": manifest.importances,
            }
        return body


class ModelService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def train(self, options: TrainOptions) -> Manifest:
        directory = train(self._ctx.settings, self._ctx.store, options)
        return self._ctx.models.manifest(directory.name)

    def versions(self) -> list[VersionInfo]:
        return self._ctx.models.list_versions()

    def details(self) -> list[VersionDetails]:
        """Every version, newest first, with offline metrics, training curves and feature gains."""
        out = []
        for info in reversed(self.versions()):
            try:
                manifest: Manifest | None = self._ctx.models.manifest(info.version)
            except ModelError:
                manifest = None
            out.append(VersionDetails(info, manifest))
        return out

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


__all__ = ["ModelService", "TrainOptions", "VersionDetails"]
