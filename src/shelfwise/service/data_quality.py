"""Use case: what the data got wrong (the dashboard's data-quality page and
``GET /v1/admin/data-quality``): rejected input rows by reason, accounts the suspicious-activity
filter flagged, and identity merges held back because a key was shared by too many accounts."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from shelfwise.service.context import ServiceContext
from shelfwise.service.customers import CustomerService

# Values quoted in a reason ("not a number: 'abc'") differ per row; the kind of mistake does not.
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def reason_kind(reason: str) -> str:
    """A rejection reason with the row's own quoted values blanked, so equal mistakes group."""
    return _QUOTED.sub("…", reason)


@dataclass(frozen=True)
class RejectionGroup:
    source: str
    reason: str
    rows: int


@dataclass(frozen=True)
class SuppressedMerge:
    kind: str  # email | phone | member_id
    key_prefix: str  # the first characters of the keyed hash: enough to tell keys apart, no PII
    accounts: int
    user_ids: tuple[str, ...]


@dataclass(frozen=True)
class FlaggedAccount:
    user_id: str
    reasons: tuple[str, ...]
    events: int


@dataclass(frozen=True)
class DataQuality:
    rejected_rows: int
    rejections: list[RejectionGroup]
    flagged: list[FlaggedAccount]
    suppressed: list[SuppressedMerge]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rejected_rows": self.rejected_rows,
            "rejections": [r.__dict__ for r in self.rejections],
            "flagged": [{**f.__dict__, "reasons": list(f.reasons)} for f in self.flagged],
            "suppressed": [{**s.__dict__, "user_ids": list(s.user_ids)} for s in self.suppressed],
        }


def rejection_groups(ctx: ServiceContext) -> list[RejectionGroup]:
    grouped: dict[tuple[str, str], int] = defaultdict(int)
    for source, reason, rows in ctx.store.rejection_counts():
        grouped[(source, reason_kind(reason))] += rows
    return [
        RejectionGroup(source, reason, rows)
        for (source, reason), rows in sorted(grouped.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def data_quality(ctx: ServiceContext) -> DataQuality:
    rejections = rejection_groups(ctx)
    flags = ctx.store.audit_flags()  # type: ignore[attr-defined]  # every backend is an AuditStore
    suppressed = [
        SuppressedMerge(key.kind, key.hash_prefix, key.n_accounts, key.user_ids)
        for key in CustomerService(ctx).suppressed_keys()
    ]
    return DataQuality(
        rejected_rows=sum(r.rows for r in rejections),
        rejections=rejections,
        flagged=[FlaggedAccount(f.user_id, f.reasons, f.events) for f in flags],
        suppressed=suppressed,
    )
