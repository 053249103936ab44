"""Deterministic, salted assignment of customers to variants.

``hash(salt, customer) → a uniform number in [0, 1) → the variant whose cumulative traffic share
covers it``. The caller passes the *customer* id (every account and channel of one person resolves
to it), so one shopper sees one variant everywhere; an anonymous visitor is hashed by the id they
came with. A per-experiment salt makes assignments of two experiments independent: being in the
treatment of one says nothing about the other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

_SCALE = float(1 << 64)


def unit_hash(salt: str, subject: str) -> float:
    """A number in [0, 1), uniform over subjects, fixed for (salt, subject)."""
    digest = hashlib.blake2b(f"{salt}\x1f{subject}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / _SCALE


def assign(salt: str, subject: str, traffic: Mapping[str, float]) -> str:
    """The variant of ``subject`` under shares ``traffic`` ({variant: share}, summing to 1)."""
    point = unit_hash(salt, subject)
    covered = 0.0
    last = ""
    for variant, share in traffic.items():
        covered += share
        last = variant
        if point < covered:
            return variant
    return last  # rounding left a sliver above the last bound: it belongs to the last variant
