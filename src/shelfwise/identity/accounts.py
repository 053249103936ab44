"""Accounts as the identity graph sees them: raw (in memory only) and hashed (what gets stored).

``hash_account`` is the one place raw values are turned into keys; the :class:`HashedAccount` it
returns holds no raw email, phone or id, only keyed hashes plus the reasons any value was rejected.
"""

from __future__ import annotations

from dataclasses import dataclass

from shelfwise.domain import Account
from shelfwise.identity.hashing import KeyHasher
from shelfwise.identity.keys import ALL_KINDS, STRONG_KINDS, InvalidKeyValue, normalize


@dataclass(frozen=True, slots=True)
class AccountIdentity:
    """One account's RAW identity values. Keep in memory only; store :class:`HashedAccount`.

    ``seq`` is the caller's ingestion sequence number: the oldest account (smallest ``seq``) of a
    customer names it, so customer ids survive re-resolution.
    """

    user_id: str
    seq: int
    channel: str | None = None
    email: str | None = None
    phone: str | None = None
    member_id: str | None = None
    device_id: str | None = None
    handle: str | None = None

    @classmethod
    def from_account(cls, account: Account, seq: int) -> AccountIdentity:
        return cls(
            user_id=account.user_id,
            seq=seq,
            channel=account.channel,
            email=account.email,
            phone=account.phone,
            member_id=account.member_id,
            device_id=account.device_id,
            handle=account.handle,
        )

    def __repr__(self) -> str:  # keep raw values out of logs and tracebacks
        return f"AccountIdentity(user_id={self.user_id!r}, seq={self.seq}, channel={self.channel!r})"


@dataclass(frozen=True, slots=True)
class IdentityKey:
    kind: str  # email | phone | member_id (strong) or device_id | handle (weak)
    hash: str  # hex HMAC-SHA256 of "kind:normalized_value"
    strong: bool

    @property
    def short(self) -> str:
        """``kind:hash-prefix``, enough to tell keys apart in an explanation."""
        return f"{self.kind}:{self.hash[:HASH_PREFIX_LEN]}"


@dataclass(frozen=True, slots=True)
class RejectedKey:
    """A raw value that was present but unusable; the value itself is not kept."""

    user_id: str
    kind: str
    reason: str


@dataclass(frozen=True, slots=True)
class HashedAccount:
    user_id: str
    seq: int
    channel: str | None
    keys: tuple[IdentityKey, ...]
    rejected: tuple[RejectedKey, ...] = ()

    @property
    def strong_keys(self) -> tuple[IdentityKey, ...]:
        return tuple(key for key in self.keys if key.strong)


HASH_PREFIX_LEN = 12


def hash_account(raw: AccountIdentity, hasher: KeyHasher, default_country: str = "1") -> HashedAccount:
    """Normalise and hash every identity value of ``raw``; invalid values land in ``rejected``."""
    keys: list[IdentityKey] = []
    rejected: list[RejectedKey] = []
    for kind in ALL_KINDS:
        value = getattr(raw, kind)
        if value is None:
            continue
        try:
            normalized = normalize(kind, value, default_country)
        except InvalidKeyValue as error:
            rejected.append(RejectedKey(raw.user_id, kind, error.reason))
            continue
        keys.append(IdentityKey(kind, hasher.hash(kind, normalized), kind in STRONG_KINDS))
    return HashedAccount(raw.user_id, raw.seq, raw.channel, tuple(keys), tuple(rejected))
