"""Use cases around customers: pseudonymize accounts, resolve the identity graph, list, explain,
detach/reattach accounts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from shelfwise.domain import Account
from shelfwise.errors import NotFoundError
from shelfwise.history import members_by_customer, resolve_customer
from shelfwise.identity import (
    AccountIdentity,
    CustomerExplanation,
    HashedAccount,
    IdentityKey,
    Resolution,
    SuppressedKey,
    customer_id_for,
    explain,
    hash_account,
    resolve,
)
from shelfwise.service.context import ServiceContext
from shelfwise.storage import AccountRecord, IdentityKeyRecord, StoredAccount


@dataclass(frozen=True)
class CustomerSummary:
    customer_id: str
    user_ids: list[str]
    event_channels: dict[str, int]  # events per channel across all of the customer's accounts


@dataclass(frozen=True)
class CustomerView:
    explanation: CustomerExplanation
    channels: dict[str, str | None]  # user id → channel of the account


class CustomerService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    # -- ingestion hooks ---------------------------------------------------------------
    def pseudonymize(self, account: Account) -> AccountRecord:
        """Replace raw identity keys by keyed hashes: raw emails/phones never reach the store."""
        raw = AccountIdentity.from_account(account, seq=0)  # the store assigns the real seq
        hashed = hash_account(raw, self._ctx.hasher, self._ctx.settings.identity.default_country_code)
        return AccountRecord(
            user_id=account.user_id,
            channel=account.channel,
            keys=tuple(IdentityKeyRecord(k.kind, k.hash, k.strong) for k in hashed.keys),
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
                user_id=a.user_id,
                seq=a.seq,
                channel=a.channel,
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
        groups = members_by_customer(self._ctx.store)
        by_user = self._ctx.store.channel_counts_by_user()
        for customer_id, user_ids in groups.items():
            channels: dict[str, int] = {}
            for user_id in user_ids:
                for channel, n in by_user.get(user_id, {}).items():
                    channels[channel] = channels.get(channel, 0) + n
            yield CustomerSummary(customer_id, user_ids, channels)

    def resolve_customer_id(self, id_or_user: str) -> str:
        """Accept a customer id or any of its accounts' user ids."""
        customer = resolve_customer(self._ctx.store, id_or_user)
        if customer is None:
            raise NotFoundError(f"no customer or account {id_or_user!r}")
        return customer.customer_id

    def show(self, id_or_user: str) -> CustomerView:
        customer_id = self.resolve_customer_id(id_or_user)
        resolution, accounts = self._resolution()
        explanation = explain(resolution, customer_id)
        channels = {a.user_id: a.channel for a in accounts if a.user_id in set(explanation.user_ids)}
        return CustomerView(explanation, channels)

    def suppressed_keys(self) -> list[SuppressedKey]:
        """Strong keys held by too many accounts to link them (merges that were not made)."""
        resolution, _ = self._resolution()
        return resolution.suppressed_keys

    def detach(self, user_id: str) -> str:
        """Split an account out of its customer; later ingests keep it apart. Returns its new customer."""
        return self._set_detached(user_id, True)

    def reattach(self, user_id: str) -> str:
        """Lift a detach: the account links by its keys again. Returns its customer."""
        return self._set_detached(user_id, False)

    def _set_detached(self, user_id: str, detached: bool) -> str:
        if self._ctx.store.get_account(user_id) is None:
            raise NotFoundError(f"no account {user_id!r}")
        self._ctx.store.set_detached(user_id, detached)
        self.refresh()
        # Running servers regroup their live profiles when they see an identity change.
        self._ctx.store.record_change("identity", user_id)
        return self.resolve_customer_id(user_id)
