"""The live profiles saved into a model version, so a server starts without decoding every event.

``shelfwise train`` writes ``profiles.snapshot`` beside the model: every customer's profile as of
an event watermark (the highest stored event ``seq`` it covers) and a change-log watermark.
Why ``train`` and not the server at shutdown: a version directory is written once by one process
and never changed afterwards (several servers may read it), a trained version is what a server
starts from anyway, and what happened since (the tail) is read from the store's change feed —
the same feed that keeps a running server current.

Loading (``resume``) reads only what changed after the watermarks and rebuilds from the store, in
full, every customer that

* has an event after the event watermark (so late events with old timestamps, returns and
  verdicts are ordered exactly as a full load orders them),
* was forgotten, or whose accounts differ from the snapshot's (an identity change), or is new.

Customers who vanished from the store (forgotten: their accounts are deleted) are dropped, so a
snapshot never brings a forgotten customer back. The result equals a full ``ProfileBook.load``
field for field. A snapshot that is missing, unreadable, of another format or profile size, or
does not match the store (its count of events up to the watermark, less what forgets deleted,
differs: another store, a restored backup) is ignored, and the caller does the full load.

Unchanged profiles stay packed (``marshal`` bytes of plain tuples) until a request first reads
them: building ~200k ``Event`` objects is what made the full load slow.
"""

from __future__ import annotations

import logging
import marshal
import os
import pickle
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from shelfwise.domain import Event
from shelfwise.history import members_by_customer
from shelfwise.profiles.columns import profile_bodies
from shelfwise.profiles.live import CustomerProfile, ProfileBook
from shelfwise.storage.base import Store, StoredEvent
from shelfwise.storage.columns import EventColumns
from shelfwise.storage.models import ModelStore

log = logging.getLogger(__name__)

PROFILES_FILE = "profiles.snapshot"  # inside a model version
FORMAT = 1
_EVENT_FIELDS = tuple(f.name for f in fields(Event))
TAIL_BATCH = 10_000
# Rebuilding customers one by one (indexed reads) beats one pass over every event only while they
# are a minority; past this share of the customers (or of the events) the full load is used.
REBUILD_SHARE = 0.25


@dataclass(frozen=True)
class Packed:
    """One customer's profile as stored: its accounts and event count readable without decoding."""

    user_ids: tuple[str, ...]
    events: int
    blob: bytes  # marshal of plain values (see ``pack``)

    def unpack(self, customer_id: str) -> CustomerProfile:
        recent, purchased, channels, last, verdicts, disliked = marshal.loads(self.blob)
        return CustomerProfile(
            customer_id,
            self.user_ids,
            tuple(Event(*row) for row in recent),
            frozenset(purchased),
            MappingProxyType(channels),
            self.events,
            last,
            MappingProxyType(verdicts),
            frozenset(disliked),
        )


@dataclass(frozen=True)
class ProfileSnapshot:
    format: int
    max_items: int
    event_seq: int  # every stored event with a seq up to this one is in the profiles
    change_seq: int  # forgets and identity changes up to this change-log seq are reflected
    stored_events: int  # events with seq <= event_seq in the store when it was taken
    profiles: dict[str, Packed]


def pack(profile: CustomerProfile) -> Packed:
    recent = tuple(tuple(getattr(event, name) for name in _EVENT_FIELDS) for event in profile.recent)
    body = (
        recent,
        tuple(profile.purchased),
        dict(profile.channels),
        profile.last_event_at,
        dict(profile.verdicts),
        tuple(profile.disliked),
    )
    return Packed(profile.user_ids, profile.events, marshal.dumps(body))


def change_mark(store: Store) -> int:
    """The change-log watermark, to be read before the events a snapshot is built from: a forget
    landing while the events are read is then after it, and re-checked at load."""
    changes = store.changes_after(0)
    return changes[-1].seq if changes else 0


def write_snapshot(
    store: Store, path: Path, max_items: int, read: tuple[int, EventColumns] | None = None
) -> ProfileSnapshot:
    """Build every profile from ``store`` (the full store, not a training view) and save them;
    ``read``: (``change_mark``, then every event of ``store`` as columns) when already read."""
    if read is not None:
        return _write_from_columns(store, path, max_items, *read)
    change_seq = change_mark(store)
    book = ProfileBook.load(store, None, max_items)
    snapshot = ProfileSnapshot(
        format=FORMAT,
        max_items=max_items,
        event_seq=book.applied_seq,
        change_seq=change_seq,
        stored_events=book.events_read,
        profiles={profile.customer_id: pack(profile) for profile in book.customers()},
    )
    _save(snapshot, path)
    return snapshot


def _write_from_columns(
    store: Store, path: Path, max_items: int, change_seq: int, columns: EventColumns
) -> ProfileSnapshot:
    """What ``ProfileBook.load`` then ``pack`` write, built from columns (``profiles.columns``)."""
    members = members_by_customer(store)
    profiles = {
        customer: Packed(tuple(members[customer]), events, marshal.dumps(body))
        for customer, events, body in profile_bodies(columns, members, max_items)
    }
    snapshot = ProfileSnapshot(
        format=FORMAT,
        max_items=max_items,
        event_seq=int(columns.seq.max()) if len(columns) else 0,
        change_seq=change_seq,
        stored_events=len(columns),
        profiles=profiles,
    )
    _save(snapshot, path)
    return snapshot


def _save(snapshot: ProfileSnapshot, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with open(partial, "wb") as handle:
        pickle.dump(snapshot, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, path)  # readers never see half a file


def scrub(path: Path, customers: Collection[str]) -> None:
    """Remove ``customers`` from the snapshot at ``path``: a forgotten customer's events must not
    stay on disk in any model version. A snapshot that cannot be read is deleted (it cannot be
    checked); the next start-up then loads every event."""
    snapshot = read_snapshot(path)
    if snapshot is None:
        path.unlink(missing_ok=True)
        return
    gone = [c for c in customers if c in snapshot.profiles]
    if not gone:
        return
    removed = sum(snapshot.profiles[c].events for c in gone)
    profiles = {c: p for c, p in snapshot.profiles.items() if c not in gone}
    # Their events are deleted from the store too, so the guard's count drops by as many.
    _save(replace(snapshot, profiles=profiles, stored_events=snapshot.stored_events - removed), path)


def scrub_versions(models: ModelStore, customers: Collection[str]) -> None:
    """After a forget: scrub the newest version's snapshot and delete older versions' (a server
    starts from the newest; forget's refit copies versions, so rewriting them all would grow
    with every forget)."""
    newest = True
    for version in reversed(models.versions()):
        path = models.root / version / PROFILES_FILE
        if not path.exists():
            continue
        if newest:
            scrub(path, customers)
            newest = False
        else:
            path.unlink(missing_ok=True)


def newest_snapshot(models: ModelStore) -> Path | None:
    """The profile snapshot of the newest good version that has one (the smallest tail)."""
    for version in reversed(models.versions()):
        path = models.root / version / PROFILES_FILE
        if models.is_good(version) and path.exists():
            return path
    return None


def read_snapshot(path: Path) -> ProfileSnapshot | None:
    """The snapshot at ``path``; None when missing, unreadable or of another format."""
    try:
        with open(path, "rb") as handle:
            snapshot = pickle.load(handle)  # our own model store, as trusted as the model files
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged file must never stop a server from starting
        log.warning("profile snapshot %s unreadable (%s): loading every event", path, exc)
        return None
    if not isinstance(snapshot, ProfileSnapshot) or snapshot.format != FORMAT:
        return None
    return snapshot


def resume(store: Store, path: Path, max_items: int) -> ProfileBook | None:
    """The profiles from the snapshot at ``path`` plus what the store has after it; None when the
    snapshot cannot be used (the caller then loads every event)."""
    snapshot = read_snapshot(path)
    if snapshot is None or snapshot.max_items != max_items:
        return None
    forgotten = {
        c.subject for c in store.changes_after(snapshot.change_seq) if c.kind == "forget" and c.subject
    }
    tail = _tail(store, snapshot.event_seq, int(snapshot.stored_events * REBUILD_SHARE) + TAIL_BATCH)
    if tail is None:
        log.info("profile snapshot: too many events since it was taken, loading every event")
        return None
    if forgotten & snapshot.profiles.keys():  # forgotten while (or after) the snapshot was written
        scrub(path, forgotten)
        snapshot = read_snapshot(path)
        if snapshot is None:
            return None
    # Scrubbed: the snapshot no longer counts the forgotten customers' (deleted) events.
    if store.count_events() - len(tail) != snapshot.stored_events:
        log.warning("profile snapshot %s does not match the store's events: loading every event", path)
        return None
    members = members_by_customer(store)
    rebuild = _to_rebuild(snapshot.profiles, members, forgotten, tail)
    if len(rebuild) > max(1_000, len(members) * REBUILD_SHARE):
        return None
    kept = {c: snapshot.profiles[c] for c in members if c not in rebuild}
    newest = max([snapshot.event_seq, *(stored.seq for stored in tail)])
    book = ProfileBook.resumed(store, max_items, kept, members, {c: members[c] for c in rebuild}, newest)
    book.tail_events = len(tail)
    return book


def _tail(store: Store, after: int, limit: int) -> list[StoredEvent] | None:
    """Every stored event after seq ``after`` (None when more than ``limit``)."""
    tail: list[StoredEvent] = []
    while True:
        batch = store.events_after(after, TAIL_BATCH)
        if not batch:
            return tail
        tail.extend(batch)
        if len(tail) > limit:
            return None
        after = batch[-1].seq


def _to_rebuild(
    profiles: Mapping[str, Packed],
    members: Mapping[str, Sequence[str]],
    forgotten: set[str],
    tail: Sequence[StoredEvent],
) -> set[str]:
    """Customers whose snapshot profile cannot be used as it is."""
    customer_of = {user: customer for customer, users in members.items() for user in users}
    touched = {customer_of[s.event.user_id] for s in tail if s.event.user_id in customer_of}
    stale = {
        customer
        for customer, users in members.items()
        if (packed := profiles.get(customer)) is None or packed.user_ids != tuple(users)
    }
    return (touched | stale | forgotten) & set(members)


def profile_fields(profile: CustomerProfile) -> dict[str, Any]:
    """A profile as plain values (comparisons in tests and benchmarks)."""
    return {
        "customer_id": profile.customer_id,
        "user_ids": profile.user_ids,
        "recent": profile.recent,
        "purchased": profile.purchased,
        "channels": dict(profile.channels),
        "events": profile.events,
        "last_event_at": profile.last_event_at,
        "verdicts": dict(profile.verdicts),
        "disliked": profile.disliked,
    }
