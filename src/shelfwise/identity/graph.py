"""Resolve hashed accounts into customers: union-find over strong key → accounts lists.

Rules, in order:

1. Accounts in ``detached`` (see :class:`Overrides`) take no part in linking: each is its own
   customer, whatever keys it shares, until the caller reattaches it.
2. Only strong keys link. Weak keys (device ids, handles) are kept on the accounts but never merge
   anything (a family shares one tablet; strangers share a handle).
3. A strong key held by more than ``max_accounts_per_key`` accounts (a store's default phone typed
   for every walk-in) links nothing and is reported in ``Resolution.suppressed_keys``.
4. Every other strong key links all the accounts holding it. ``Resolution.links`` keeps only the
   edges that joined two groups (a spanning forest), so each merge has exactly one recorded reason.

Customer ids: ``customer_id_for(oldest user_id)``, the oldest account being the one with the smallest
``seq`` (ties broken by ``user_id``). Adding newer accounts keeps the id; when two customers merge the
older id wins; detaching the oldest account gives the rest the id of the next-oldest.

The result is deterministic for a given set of accounts, whatever order they arrive in.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from shelfwise.domain import customer_id_for
from shelfwise.errors import NotFoundError, ValidationError
from shelfwise.identity.accounts import HASH_PREFIX_LEN, HashedAccount

DEFAULT_MAX_ACCOUNTS_PER_KEY = 10


@dataclass(frozen=True, slots=True)
class Link:
    """Accounts ``user_a`` and ``user_b`` share the strong key ``kind``/``key_hash``."""

    user_a: str
    user_b: str
    kind: str
    key_hash: str

    @property
    def key_short(self) -> str:
        return f"{self.kind}:{self.key_hash[:HASH_PREFIX_LEN]}"


@dataclass(frozen=True, slots=True)
class SuppressedKey:
    """A strong key shared by implausibly many accounts, therefore ignored for linking."""

    kind: str
    key_hash: str
    n_accounts: int
    user_ids: tuple[str, ...] = field(repr=False)

    @property
    def hash_prefix(self) -> str:
        return self.key_hash[:HASH_PREFIX_LEN]


@dataclass(frozen=True, slots=True)
class Overrides:
    """Manual decisions that re-resolution must respect; plain data the caller persists."""

    detached: frozenset[str] = frozenset()

    def detach(self, user_id: str) -> Overrides:
        """Force ``user_id`` out of its customer: its strong keys stop linking it to anyone."""
        return Overrides(self.detached | {user_id})

    def reattach(self, user_id: str) -> Overrides:
        """Lift a detach: the next resolution links the account by its keys again."""
        return Overrides(self.detached - {user_id})

    def to_dict(self) -> dict[str, list[str]]:
        return {"detached": sorted(self.detached)}

    @classmethod
    def from_dict(cls, data: dict[str, list[str]]) -> Overrides:
        return cls(frozenset(data.get("detached", ())))


@dataclass(slots=True)
class Resolution:
    customer_of: dict[str, str]  # user_id → customer_id
    members: dict[str, list[str]]  # customer_id → user_ids, oldest first
    links: list[Link]  # spanning edges: one reason per merge
    suppressed_keys: list[SuppressedKey]
    detached: frozenset[str]  # the detached accounts that were present

    def customer_sizes(self) -> list[int]:
        return sorted((len(users) for users in self.members.values()), reverse=True)


@dataclass(frozen=True, slots=True)
class CustomerExplanation:
    customer_id: str
    user_ids: tuple[str, ...]  # oldest first; the first one names the customer
    links: tuple[Link, ...]  # why each account joined: a spanning tree of the customer
    suppressed_keys: tuple[SuppressedKey, ...]  # keys that would have merged, but were too common
    detached: tuple[str, ...]  # accounts of this customer held apart by an override

    def lines(self) -> list[str]:
        """Human-readable lines, e.g. for the CLI."""
        out = [f"customer {self.customer_id}: {len(self.user_ids)} account(s) {', '.join(self.user_ids)}"]
        out += [f"  {link.user_a} — {link.user_b} via {link.key_short}" for link in self.links]
        out += [
            f"  ignored {key.kind}:{key.hash_prefix} (shared by {key.n_accounts} accounts)"
            for key in self.suppressed_keys
        ]
        out += [f"  {user_id} is detached by an override" for user_id in self.detached]
        return out


def resolve(
    accounts: Iterable[HashedAccount],
    detached: Collection[str] = frozenset(),
    max_accounts_per_key: int = DEFAULT_MAX_ACCOUNTS_PER_KEY,
) -> Resolution:
    """Link accounts into customers (see the module docstring for the rules)."""
    ordered = sorted(accounts, key=lambda account: (account.seq, account.user_id))
    user_ids = [account.user_id for account in ordered]
    if len(set(user_ids)) != len(user_ids):
        raise ValidationError("an account appears more than once", field="user_id")
    detached_set = frozenset(detached)

    # key hash → indexes into `ordered`; insertion order follows seq, so results are deterministic.
    # The hash alone is a unique dict key: the kind is part of the hashed message.
    holders: dict[str, list[int]] = {}
    kind_of: dict[str, str] = {}
    for index, account in enumerate(ordered):
        if account.user_id in detached_set:
            continue
        for key in account.keys:
            if key.strong:
                indexes = holders.get(key.hash)
                if indexes is None:
                    holders[key.hash] = [index]
                    kind_of[key.hash] = key.kind
                else:
                    indexes.append(index)

    # Union-find whose root is always the smallest index, i.e. the oldest account of the group.
    parent = list(range(len(ordered)))

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]  # path halving
            node = parent[node]
        return node

    links: list[Link] = []
    suppressed: list[SuppressedKey] = []
    for key_hash, indexes in holders.items():
        if len(indexes) == 1:
            continue
        kind = kind_of[key_hash]
        if len(indexes) > max_accounts_per_key:
            suppressed.append(
                SuppressedKey(kind, key_hash, len(indexes), tuple(user_ids[i] for i in indexes))
            )
            continue
        first = indexes[0]
        for other in indexes[1:]:
            root_a, root_b = find(first), find(other)
            if root_a == root_b:
                continue
            if root_a < root_b:
                parent[root_b] = root_a
            else:
                parent[root_a] = root_b
            links.append(Link(user_ids[first], user_ids[other], kind, key_hash))

    customer_of: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    root_customer: dict[int, str] = {}
    for index, user_id in enumerate(user_ids):
        root = find(index)
        customer_id = root_customer.get(root)
        if customer_id is None:  # the root is the smallest index, so it is met first
            customer_id = root_customer[root] = customer_id_for(user_ids[root])
            members[customer_id] = []
        customer_of[user_id] = customer_id
        members[customer_id].append(user_id)
    suppressed.sort(key=lambda key: (-key.n_accounts, key.kind, key.key_hash))
    return Resolution(customer_of, members, links, suppressed, detached_set & set(user_ids))


def explain(resolution: Resolution, customer_id: str) -> CustomerExplanation:
    """Which keys linked which accounts of ``customer_id``, and which keys were held back."""
    user_ids = resolution.members.get(customer_id)
    if user_ids is None:
        raise NotFoundError(f"no customer {customer_id}")
    own = set(user_ids)
    links = tuple(link for link in resolution.links if link.user_a in own)
    suppressed = tuple(key for key in resolution.suppressed_keys if own.intersection(key.user_ids))
    detached = tuple(user_id for user_id in user_ids if user_id in resolution.detached)
    return CustomerExplanation(customer_id, tuple(user_ids), links, suppressed, detached)
