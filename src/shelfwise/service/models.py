"""Use case: which trained model version is served, and rolling back.

The active version is the one named in ``<home>/models/ACTIVE`` when that file exists (a pin),
else the newest version whose manifest says ``ok``. ``rollback`` pins the good version before the
active one; ``use latest`` removes the pin, so the newest good version is served again (and new
trainings are picked up). A running server polls this choice, so ``shelfwise models rollback``
from another shell switches it within the poll interval; ``POST /v1/admin/rollback`` does the same
and switches at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from shelfwise.errors import ConflictError, ModelError
from shelfwise.training.artifacts import latest_good, read_manifest, versions

PIN_FILE = "ACTIVE"


@dataclass(frozen=True, slots=True)
class VersionInfo:
    version: str
    status: str
    created_at: float
    model: str | None
    encoder: str | None
    active: bool


def _is_good(directory: Path) -> bool:
    try:
        return read_manifest(directory).status == "ok"
    except ModelError:
        return False


def pinned_version(root: Path) -> str | None:
    try:
        text = (root / PIN_FILE).read_text().strip()
    except OSError:
        return None
    return text or None


def active_version(root: Path) -> str:
    """The version to serve: the pin when it is a good version, else the newest good one."""
    pinned = pinned_version(root)
    if pinned is not None and _is_good(root / pinned):
        return pinned
    newest = latest_good(root)
    if newest is None:
        raise ModelError(f"no trained model under {root}: run `shelfwise train` first")
    return newest.name


def pin(root: Path, version: str) -> None:
    if not _is_good(root / version):
        raise ModelError(f"{version!r} is not a good model version under {root}")
    temporary = root / f".{PIN_FILE}.{os.getpid()}.tmp"
    temporary.write_text(version + "\n")
    temporary.replace(root / PIN_FILE)  # atomic: a polling server never reads half a name


def use_latest(root: Path) -> str:
    (root / PIN_FILE).unlink(missing_ok=True)
    return active_version(root)


def rollback(root: Path) -> str:
    """Pin the newest good version older than the active one; returns it."""
    current = active_version(root)
    found = versions(root)  # in version order (numeric, not by name)
    position = [d.name for d in found].index(current)
    older = [d for d in found[:position] if _is_good(d)]
    if not older:
        raise ConflictError(f"nothing to roll back to: {current} is the oldest good version")
    pin(root, older[-1].name)
    return older[-1].name


def list_versions(root: Path) -> list[VersionInfo]:
    try:
        active: str | None = active_version(root)
    except ModelError:
        active = None
    out = []
    for directory in versions(root):
        try:
            manifest = read_manifest(directory)
        except ModelError:
            out.append(VersionInfo(directory.name, "unreadable", 0.0, None, None, False))
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
