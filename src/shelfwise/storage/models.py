"""The model store: versioned artifacts ``<root>/v0001/``, ``v0002/``, ... and which one is served.

A version is written into a hidden temporary directory and renamed into place only when complete,
so a reader never sees half an artifact. **The active version** is the one named in
``<root>/ACTIVE`` when that file names a good version (a pin, written by rollback or ``models use``),
else the newest version whose manifest says ``ok``. Every reader — the CLI, the API server, search,
complements, evaluation — asks ``active_version()``; nothing else decides what is served.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from shelfwise.errors import ConflictError, ModelError

_VERSION = re.compile(r"^v(\d{4,})$")
MANIFEST = "manifest.json"
PIN_FILE = "ACTIVE"


@dataclass
class Manifest:
    version: str
    created_at: float
    status: str  # ok | failed
    config: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)  # snapshot: counts and last event seq
    metrics: dict[str, Any] = field(default_factory=dict)
    components: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    # Validation metric per epoch / boosting round, and feature name → gain of each learned ranker
    # (absent in versions trained before they were recorded).
    curves: dict[str, list[float]] = field(default_factory=dict)
    importances: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class VersionInfo:
    version: str
    status: str
    created_at: float
    model: str | None
    encoder: str | None
    active: bool


class VersionWriter:
    """Collects one version's files in a temporary directory and publishes it atomically."""

    def __init__(self, root: Path, version: str) -> None:
        self.root = root
        self.version = version
        self.path = root / f".{version}.tmp-{time.time_ns()}"
        self.path.mkdir(parents=True)

    def publish(self, manifest: Manifest) -> Path:
        (self.path / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2, sort_keys=True))
        final = self.root / self.version
        self.path.rename(final)
        return final

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


class ModelStore:
    """Model versions under one directory (shared by every process that serves or trains)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    # ------------------------------------------------------------------ reading
    def versions(self) -> list[str]:
        """Version names in numeric order (v0010 after v0009)."""
        if not self.root.is_dir():
            return []
        found = [
            (int(m.group(1)), p.name)
            for p in self.root.iterdir()
            if (m := _VERSION.match(p.name)) and p.is_dir()
        ]
        return [name for _, name in sorted(found)]

    def path(self, version: str) -> Path:
        directory = self.root / version
        if not _VERSION.match(version) or not directory.is_dir():
            raise ModelError(f"no model version {version!r} under {self.root}")
        return directory

    def manifest(self, version: str) -> Manifest:
        try:
            return Manifest(**json.loads((self.root / version / MANIFEST).read_text()))
        except (OSError, ValueError, TypeError) as exc:
            raise ModelError(f"{self.root / version}: unreadable manifest ({exc})") from exc

    def is_good(self, version: str) -> bool:
        try:
            return self.manifest(version).status == "ok"
        except ModelError:
            return False

    def newest_good(self) -> str | None:
        return next((v for v in reversed(self.versions()) if self.is_good(v)), None)

    def pinned(self) -> str | None:
        try:
            text = (self.root / PIN_FILE).read_text().strip()
        except OSError:
            return None
        return text or None

    def active_version(self) -> str:
        """The version to serve: the pin when it is a good version, else the newest good one."""
        pinned = self.pinned()
        if pinned is not None and self.is_good(pinned):
            return pinned
        newest = self.newest_good()
        if newest is None:
            raise ModelError(f"no trained model under {self.root}: run `shelfwise train` first")
        return newest

    def resolve(self, version: str | None = None) -> str:
        """``version`` when given (it must exist), else the active one."""
        if version is None:
            return self.active_version()
        self.path(version)
        return version

    def list_versions(self) -> list[VersionInfo]:
        try:
            active: str | None = self.active_version()
        except ModelError:
            active = None
        out = []
        for version in self.versions():
            try:
                manifest = self.manifest(version)
            except ModelError:
                out.append(VersionInfo(version, "unreadable", 0.0, None, None, False))
                continue
            out.append(
                VersionInfo(
                    manifest.version,
                    manifest.status,
                    manifest.created_at,
                    manifest.components.get("model"),
                    manifest.components.get("encoder"),
                    manifest.version == active,
                )
            )
        return out

    # ------------------------------------------------------------------ writing
    def new_version(self) -> VersionWriter:
        existing = self.versions()
        number = int(existing[-1][1:]) + 1 if existing else 1
        return VersionWriter(self.root, f"v{number:04d}")

    def pin(self, version: str) -> None:
        if not self.is_good(version):
            raise ModelError(f"{version!r} is not a good model version under {self.root}")
        temporary = self.root / f".{PIN_FILE}.{os.getpid()}.tmp"
        temporary.write_text(version + "\n")
        temporary.replace(self.root / PIN_FILE)  # atomic: a polling server never reads half a name

    def use_latest(self) -> str:
        """Remove the pin: the newest good version is served again (and new trainings are picked up)."""
        (self.root / PIN_FILE).unlink(missing_ok=True)
        return self.active_version()

    def rollback(self) -> str:
        """Pin the newest good version older than the active one; returns it."""
        current = self.active_version()
        found = self.versions()
        older = [v for v in found[: found.index(current)] if self.is_good(v)]
        if not older:
            raise ConflictError(f"nothing to roll back to: {current} is the oldest good version")
        self.pin(older[-1])
        return older[-1]
