"""Use cases around customers: pseudonymize accounts, resolve the identity graph, list, explain,
detach/reattach accounts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from shelfwise.identity import (
    AccountIdentity,
    HashedAccount,
    IdentityKey,
    Resolution,
    customer_id_for,
    hash_account,
    resolve,
)

from shelfwise.domain import Account
from shelfwise.errors import NotFoundError
from shelfwise.service.context import ServiceContext
from shelfwise.storage import AccountRecord, IdentityKeyRecord, StoredAccount


@dataclass(frozen=True)
class CustomerLink:
    user_a: str
    user_b: str
    kind: str
    key_hash_prefix: str


@dataclass(frozen=True)
class CustomerSummary:
    customer_id: str
    user_ids: list[str]
    event_channels: dict[str, int]  # events per channel across all of the customer's accounts


@dataclass(frozen=True)
class CustomerView:
    customer_id: str
    user_ids: list[str]
    channels: dict[str, str | None]
    links: list[CustomerLink]
    suppressed_keys: list[tuple[str, str, int]]  # (kind, hash prefix, accounts sharing it)
    detached: list[str]


class CustomerService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    # -- ingestion hooks ---------------------------------------------------------------
    def pseudonymize(self, account: Account) -> AccountRecord:
        """Replace raw identity keys by keyed hashes: raw emails/phones never reach the store."""
        raw = AccountIdentity(
            user_id=account.user_id, seq=0, channel=account.channel, email=account.email, phone=account.phone,
            member_id=account.member_id, device_id=account.device_id, handle=account.handle,
        )
        hashed = hash_account(raw, self._ctx.hasher, self._ctx.settings.identity.default_country_code)
        return AccountRecord(
            user_id=account.user_id,
            channel=account.channel,
            keys=tuple(IdentityKeyRecord(k.kind, k.key_hash, k.strong) for k in hashed.keys),
            attributes=account.attributes,
        )

    @staticmethod
    def customer_id_for(user_id: str) -> str:
        return customer_id_for(user_id)

    # -- resolution --------------------------------------------------------------------
    def _resolution(self) -> tuple[Resolution, list[StoredAccount]]:
        accounts = list(self._ctx.store.iter_accounts())
        hashed = [
            HashedAccount(
                user_id=a.user_id, seq=a.seq, channel=a.channel,
                keys=tuple(IdentityKey(k.kind, k.key_hash, k.strong) for k in a.keys),
            )
            for a in accounts
        ]
        resolution = resolve(
            hashed, self._ctx.store.detached_users(), self._ctx.settings.identity.max_accounts_per_key
        )
        return resolution, accounts

    def refresh(self) -> int:
        """Re-resolve every account into customers; returns how many accounts changed customer."""
        resolution, _ = self._resolution()
        return self._ctx.store.set_customer_ids(resolution.customer_of)

    def customers(self) -> Iterator[CustomerSummary]:
        groups: dict[str, list[str]] = {}
        for account in self._ctx.store.iter_accounts():
            groups.setdefault(account.customer_id or customer_id_for(account.user_id), []).append(account.user_id)
        by_user = self._ctx.store.channel_counts_by_user()
        for customer_id, user_ids in groups.items():
            channels: dict[str, int] = {}
            for user_id in user_ids:
                for channel, n in by_user.get(user_id, {}).items():
                    channels[channel] = channels.get(channel, 0) + n
            yield CustomerSummary(customer_id, user_ids, channels)

    def resolve_customer_id(self, id_or_user: str) -> str:
        """Accept a customer id or any of its accounts' user ids."""
        account = self._ctx.store.get_account(id_or_user)
        if account is not None:
            return account.customer_id or customer_id_for(account.user_id)
        if self._ctx.store.accounts_of_customer(id_or_user):
            return id_or_user
        raise NotFoundError(f"no customer or account {id_or_user!r}")

    def show(self, id_or_user: str) -> CustomerView:
        customer_id = self.resolve_customer_id(id_or_user)
        resolution, accounts = self._resolution()
        members = set(resolution.members.get(customer_id, []))
        by_user = {a.user_id: a for a in accounts}
        detached = self._ctx.store.detached_users()
        links = [
            CustomerLink(link.user_a, link.user_b, link.kind, link.key_hash[:12])
            for link in resolution.links
            if link.user_a in members
        ]
        member_keys = {(k.kind, k.key_hash) for u in members for k in by_user[u].keys}
        suppressed = [
            (s.kind, s.key_hash[:12], s.n_accounts) for s in resolution.suppressed_keys
            if (s.kind, s.key_hash) in member_keys
        ]
        users = sorted(members, key=lambda u: by_user[u].seq)
        return CustomerView(
            customer_id=customer_id,
            user_ids=users,
            channels={u: by_user[u].channel for u in users},
            links=links,
            suppressed_keys=suppressed,
            detached=[u for u in users if u in detached],
        )

    def detach(self, user_id: str) -> str:
        """Split an account out of its customer; later ingests keep it apart. Returns its new customer."""
        if self._ctx.store.get_account(user_id) is None:
            raise NotFoundError(f"no account {user_id!r}")
        self._ctx.store.set_detached(user_id, True)
        self.refresh()
        return self.resolve_customer_id(user_id)

    def reattach(self, user_id: str) -> str:
        if self._ctx.store.get_account(user_id) is None:
            raise NotFoundError(f"no account {user_id!r}")
        self._ctx.store.set_detached(user_id, False)
        self.refresh()
        return self.resolve_customer_id(user_id)
