"""A synthetic omnichannel account set whose right answer is known.

``generate_accounts(n_people, seed)`` makes people with 1–4 accounts each across web/app/store/social,
with the mess real data has: emails in odd case with spaces around them, phones in several formats
("+1 (555) 123-4567", "555-123-4567", "001 555 123 4567", "5551234567", "555.123.4567"), loyalty
ids with dashes, spaces and lower case, a few unusable values, accounts with no strong key at all.
And the traps: one store default phone typed for ~300 walk-in store accounts of different people,
family tablets whose ``device_id`` is shared by the app accounts of 2–4 different people, and
strangers who share a social handle by coincidence.

Ground truth (``true_pairs``) is what the evidence supports: two accounts of the *same person* that
are connected, transitively within that person, by valid strong keys other than the store default
phone. It is computed from the generator's own canonical values, not with ``shelfwise.identity``'s
normalisers, so it checks them too. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from itertools import combinations

from shelfwise.identity.accounts import AccountIdentity

CHANNELS = ("web", "app", "store", "social")
STORE_DEFAULT_PHONE = "(999) 555-0100"  # area 999 is never given to a person below
_FIRST = ("ann", "bo", "chen", "dana", "eli", "fatima", "gus", "hana", "ivan", "jo", "kim", "lea")
_LAST = ("smith", "garcia", "li", "novak", "okafor", "patel", "rossi", "sato", "berg", "kowalski")
_DOMAINS = ("example.com", "mail.example", "shop.example", "post.example")
_ACCOUNTS_PER_PERSON_WEIGHTS = (0.35, 0.30, 0.20, 0.15)  # 1, 2, 3, 4 accounts


@dataclass(slots=True)
class SyntheticAccountSet:
    accounts: list[AccountIdentity]
    person_of: dict[str, int]  # user_id → person index
    true_pairs: set[tuple[str, str]]  # sorted (user_a, user_b) pairs the evidence supports
    store_default_phone: str
    walk_in_user_ids: list[str]
    family_devices: dict[str, list[int]]  # shared device_id → the people using it
    shared_handles: dict[str, list[int]]  # handle → the unrelated people who chose it
    default_country: str = "1"
    invalid_values: int = 0  # raw values the generator deliberately made unusable


@dataclass(slots=True)
class _Person:
    index: int
    email: str | None
    phone: tuple[str, str, str] | None  # area, exchange, line
    member_id: str | None
    handle: str
    accounts: list[dict[str, str | None]] = field(default_factory=list)
    # per account: the canonical strong keys it really carries, for the ground truth
    evidence: list[set[tuple[str, str]]] = field(default_factory=list)


def _messy_email(rng: random.Random, email: str) -> str:
    style = rng.randrange(4)
    text = email.upper() if style == 0 else email.title() if style == 1 else email
    return " " * rng.randrange(3) + text + " " * rng.randrange(3)


def _messy_phone(rng: random.Random, phone: tuple[str, str, str]) -> str:
    area, exchange, line = phone
    formats = (
        f"+1 ({area}) {exchange}-{line}",
        f"{area}-{exchange}-{line}",
        f"001 {area} {exchange} {line}",
        f"{area}{exchange}{line}",
        f"{area}.{exchange}.{line}",
    )
    return rng.choice(formats)


def _messy_member_id(rng: random.Random, member_id: str) -> str:
    # canonical "SW12345678" → "sw-1234-5678", " SW 1234 5678", "Sw12345678"
    head, body = member_id[:2], member_id[2:]
    head = rng.choice((head, head.lower(), head.title()))
    separator = rng.choice(("", "-", " "))
    return f"{head}{separator}{body[:4]}{separator}{body[4:]}" + rng.choice(("", " "))


def _make_person(rng: random.Random, index: int) -> _Person:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    email = f"{first}.{last}{index}@{rng.choice(_DOMAINS)}" if rng.random() < 0.85 else None
    # (index % 700, index // 700) is a bijection: phones are unique per person; areas 200–899.
    phone = (str(200 + index % 700), f"{index // 700 // 10_000 + 200:03d}", f"{index // 700 % 10_000:04d}")
    member_id = f"SW{index:08d}" if rng.random() < 0.5 else None
    return _Person(index, email, phone if rng.random() < 0.7 else None, member_id, f"{first}{last}{index}")


def _add_accounts(rng: random.Random, person: _Person) -> int:
    """Give ``person`` 1–4 accounts; returns how many raw values were deliberately made invalid."""
    invalid = 0
    n_accounts = rng.choices((1, 2, 3, 4), _ACCOUNTS_PER_PERSON_WEIGHTS)[0]
    channels = rng.sample(CHANNELS, n_accounts)
    for number, channel in enumerate(channels):
        raw: dict[str, str | None] = {"channel": channel, "email": None, "phone": None, "member_id": None}
        evidence: set[tuple[str, str]] = set()
        keyless = rng.random() < 0.08
        available = [kind for kind in ("email", "phone", "member_id") if getattr(person, kind) is not None]
        chosen = [] if keyless else [kind for kind in available if rng.random() < 0.65]
        if not keyless and available and not chosen:
            chosen = [rng.choice(available)]
        for kind in chosen:
            if rng.random() < 0.02:  # a typo that makes the value unusable
                raw[kind] = {"email": "no-at-sign.example", "phone": "555-12", "member_id": "  - "}[kind]
                invalid += 1
                continue
            if kind == "email":
                assert person.email is not None
                raw[kind] = _messy_email(rng, person.email)
                evidence.add(("email", person.email))
            elif kind == "phone":
                assert person.phone is not None
                raw[kind] = _messy_phone(rng, person.phone)
                evidence.add(("phone", "".join(person.phone)))
            else:
                assert person.member_id is not None
                raw[kind] = _messy_member_id(rng, person.member_id)
                evidence.add(("member_id", person.member_id))
        raw["device_id"] = f"dev-{person.index}-{number}" if channel == "app" else None
        raw["handle"] = person.handle if channel == "social" else None
        person.accounts.append(raw)
        person.evidence.append(evidence)
    return invalid


def _true_pairs(person: _Person, user_ids: list[str]) -> set[tuple[str, str]]:
    """Pairs of this person's accounts connected by shared evidence, transitively."""
    component = list(range(len(user_ids)))
    for a, b in combinations(range(len(user_ids)), 2):
        if person.evidence[a] & person.evidence[b]:
            old, new = component[b], component[a]
            component = [new if c == old else c for c in component]
    pairs = set()
    for a, b in combinations(range(len(user_ids)), 2):
        if component[a] == component[b]:
            pairs.add((min(user_ids[a], user_ids[b]), max(user_ids[a], user_ids[b])))
    return pairs


def generate_accounts(
    n_people: int = 2_000,
    seed: int = 0,
    walk_in_accounts: int = 300,
    n_families: int | None = None,
    n_shared_handles: int | None = None,
) -> SyntheticAccountSet:
    """Generate people and their accounts (see the module docstring); deterministic by ``seed``."""
    rng = random.Random(seed)
    people = [_make_person(rng, index) for index in range(n_people)]
    invalid = sum(_add_accounts(rng, person) for person in people)

    # Walk-ins: one store account of each of these people carries the store's default phone instead.
    walk_in_people = rng.sample(range(n_people), min(walk_in_accounts, n_people))
    walk_in_slots: set[tuple[int, int]] = set()
    for index in walk_in_people:
        person = people[index]
        slot = rng.randrange(len(person.accounts))
        person.accounts[slot]["channel"] = "store"
        person.accounts[slot]["phone"] = STORE_DEFAULT_PHONE
        person.evidence[slot].discard(("phone", "".join(person.phone or ("", "", ""))))
        walk_in_slots.add((index, slot))

    # Family tablets: 2–4 different people whose app accounts share one device id.
    family_devices: dict[str, list[int]] = {}
    free = rng.sample(range(n_people), n_people)  # each person is in at most one family
    taken = 0
    for family in range(n_families if n_families is not None else n_people // 40):
        size = rng.randint(2, 4)
        if n_people - taken < size:
            break
        members, taken = free[taken : taken + size], taken + size
        device_id = f"tablet-family-{family}"
        family_devices[device_id] = members
        for index in members:
            # the person's last account that is not a walk-in becomes the app account on the tablet
            slots = [s for s in range(len(people[index].accounts)) if (index, s) not in walk_in_slots]
            if slots:
                account = people[index].accounts[slots[-1]]
                account["channel"], account["device_id"] = "app", device_id

    # Coincidental handles: two strangers both call themselves the same thing on social.
    shared_handles: dict[str, list[int]] = {}
    for number in range(n_shared_handles if n_shared_handles is not None else n_people // 50):
        pair = rng.sample(range(n_people), 2)
        handle = f"{rng.choice(_FIRST)}_{rng.choice(_LAST)}_{number}"
        shared_handles[handle] = pair
        for index in pair:
            people[index].accounts[0]["handle"] = handle

    accounts: list[AccountIdentity] = []
    person_of: dict[str, int] = {}
    true_pairs: set[tuple[str, str]] = set()
    walk_in_user_ids: list[str] = []
    n_accounts = sum(len(person.accounts) for person in people)
    seq_order = rng.sample(range(n_accounts), n_accounts)  # ingestion order unrelated to people
    for person in people:
        user_ids = []
        for slot, raw in enumerate(person.accounts):
            user_id = f"{raw['channel']}-{person.index}-{slot}"
            user_ids.append(user_id)
            person_of[user_id] = person.index
            if (person.index, slot) in walk_in_slots:
                walk_in_user_ids.append(user_id)
            accounts.append(
                AccountIdentity(
                    user_id=user_id,
                    seq=seq_order[len(accounts)],
                    channel=raw["channel"],
                    email=raw["email"],
                    phone=raw["phone"],
                    member_id=raw["member_id"],
                    device_id=raw["device_id"],
                    handle=raw["handle"],
                )
            )
        true_pairs |= _true_pairs(person, user_ids)
    return SyntheticAccountSet(
        accounts=accounts,
        person_of=person_of,
        true_pairs=true_pairs,
        store_default_phone=STORE_DEFAULT_PHONE,
        walk_in_user_ids=walk_in_user_ids,
        family_devices=family_devices,
        shared_handles=shared_handles,
        invalid_values=invalid,
    )
