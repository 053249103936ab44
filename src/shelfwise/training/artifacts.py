"""Versioned model artifacts: ``<home>/models/v0001/``, ``v0002/``, ... each with a manifest.

A version is written into a hidden temporary directory and renamed into place only when complete,
so a reader never sees half an artifact; the newest version whose manifest says ``ok`` is the one
used by default, and an older one can be chosen explicitly (rollback).
"""

from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from shelfwise.errors import ModelError

_VERSION = re.compile(r"^v(\d{4,})$")
MANIFEST = "manifest.json"


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


def versions(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in root.iterdir() if (m := _VERSION.match(p.name)) and p.is_dir()]
    return [p for _, p in sorted(found)]


def read_manifest(directory: Path) -> Manifest:
    try:
        return Manifest(**json.loads((directory / MANIFEST).read_text()))
    except (OSError, ValueError, TypeError) as exc:
        raise ModelError(f"{directory}: unreadable manifest ({exc})") from exc


def latest_good(root: Path) -> Path | None:
    for directory in reversed(versions(root)):
        try:
            if read_manifest(directory).status == "ok":
                return directory
        except ModelError:
            continue
    return None


def resolve_version(root: Path, version: str | None) -> Path:
    if version is None:
        found = latest_good(root)
        if found is None:
            raise ModelError(f"no trained model under {root}: run `shelfwise train` first")
        return found
    directory = root / version
    if not directory.is_dir():
        raise ModelError(f"no model version {version!r} under {root}")
    return directory


class ArtifactWriter:
    """Collects one version's files in a temporary directory and publishes it atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        existing = versions(root)
        number = int(_VERSION.match(existing[-1].name).group(1)) + 1 if existing else 1  # type: ignore[union-attr]
        self.version = f"v{number:04d}"
        self.path = root / f".{self.version}.tmp-{time.time_ns()}"
        self.path.mkdir()

    def publish(self, manifest: Manifest) -> Path:
        (self.path / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2, sort_keys=True))
        final = self.root / self.version
        self.path.rename(final)
        return final

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
