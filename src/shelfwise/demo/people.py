"""Demo customers: people with tastes, and the messy accounts they leave in each channel.

A *person* is the ground truth; an *account* is what a channel sees. Identity keys are
written the way real systems capture them: emails with stray capitals and spaces, phones in
four formats, loyalty ids only on store and app accounts, guest accounts with no keys at all,
a till default phone shared by unrelated walk-in shoppers, and a family tablet shared by
several people's app accounts. Linking must use the strong keys and resist the traps.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

STORE_DEFAULT_PHONE = "555-000-0000"
STORES: tuple[str, ...] = tuple(f"store-{n:02d}" for n in range(1, 9))
# Two stores per region: a shopper's region is where their home store is (shipping and billing too).
REGIONS: dict[str, str] = {
    store: ("north", "east", "south", "west")[n // 2] for n, store in enumerate(STORES)
}
AGE_BANDS: dict[str, float] = {
    "18-24": 0.14,
    "25-34": 0.26,
    "35-44": 0.22,
    "45-54": 0.18,
    "55-64": 0.12,
    "65+": 0.08,
}
DEPARTMENTS: tuple[str, ...] = (
    "Electronics",
    "Computers",
    "Home & Kitchen",
    "Beauty",
    "Sports",
    "Toys",
    "Grocery",
    "Garden",
    "Pets",
)
# How likely a person is to have an account in each channel (before the 1-3 cap).
CHANNEL_WEIGHTS: dict[str, float] = {"web": 0.8, "app": 0.55, "store": 0.5, "social": 0.25}

FIRST_NAMES = [
    "Ava",
    "Liam",
    "Mia",
    "Noah",
    "Zoe",
    "Ethan",
    "Lena",
    "Omar",
    "Priya",
    "Diego",
    "Hana",
    "Lucas",
    "Amara",
    "Mateo",
    "Chloe",
    "Ravi",
    "Sofia",
    "Kenji",
    "Nora",
    "Malik",
    "Ingrid",
    "Tomás",
    "Aisha",
    "Felix",
    "Yara",
    "Jonah",
    "Mei",
    "Arjun",
    "Elena",
    "Kofi",
    "Grace",
    "Ivan",
    "Leila",
    "Samir",
    "Ruby",
    "Hugo",
    "Wen",
    "Nadia",
    "Owen",
    "Isla",
]
LAST_NAMES = [
    "Garcia",
    "Smith",
    "Chen",
    "Patel",
    "Okafor",
    "Müller",
    "Rossi",
    "Kim",
    "Nguyen",
    "Silva",
    "Haddad",
    "Cohen",
    "Novak",
    "Brown",
    "Tanaka",
    "Khan",
    "Larsen",
    "Moreau",
    "Ortiz",
    "Walsh",
    "Ivanova",
    "Mensah",
    "Reyes",
    "Fischer",
    "Park",
    "Singh",
    "Dubois",
    "Costa",
    "Ali",
    "Hughes",
    "Zhang",
    "Lopez",
    "Berg",
    "Wright",
]
EMAIL_DOMAINS = ("example.com", "example.org", "mail.example", "inbox.example", "post.example")


@dataclass(slots=True)
class Person:
    person_id: str
    first_name: str
    last_name: str
    department_weights: dict[str, float]
    favourite_brands: dict[str, str]  # department -> brand, filled lazily by the simulation
    price_level: float  # 0 = bargain hunter, 1 = premium buyer
    activity: float  # expected shopping missions over the whole period
    loyalty_to_item: float  # chance a consumable re-purchase picks the very same item
    speaks_chinese: bool
    home_store: str
    family_id: str | None = None
    account_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class DemoAccount:
    user_id: str
    person_id: str
    channel: str
    email: str | None = None
    phone: str | None = None
    member_id: str | None = None
    device_id: str | None = None
    handle: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"user_id": self.user_id, "channel": self.channel}
        for key in ("email", "phone", "member_id", "device_id", "handle"):
            value = getattr(self, key)
            if value is not None:
                record[key] = value
        record["attributes"] = self.attributes
        return record


@dataclass(slots=True)
class Population:
    people: list[Person]
    accounts: list[DemoAccount]
    shared_devices: dict[str, list[str]]  # device_id -> user_ids of different people


def build_population(rng: random.Random, n_people: int, period_start: datetime) -> Population:
    people = [_person(rng, index) for index in range(n_people)]
    _form_families(rng, people)
    accounts: list[DemoAccount] = []
    shared_devices: dict[str, list[str]] = {}
    for person in people:
        accounts.extend(_accounts_for(rng, person, period_start, shared_devices))
    _assign_user_ids(rng, accounts, people, shared_devices)
    _apply_store_default_phone(rng, accounts, n_people)
    return Population(people, accounts, shared_devices)


def _person(rng: random.Random, index: int) -> Person:
    favourites = rng.sample(DEPARTMENTS, k=rng.choice((1, 2, 2, 3)))
    weights = {dept: (6.0 if dept in favourites else 0.6) * rng.uniform(0.7, 1.3) for dept in DEPARTMENTS}
    speaks_chinese = rng.random() < 0.05
    if speaks_chinese:  # the Chinese-language listings are audio gear; these shoppers find them
        weights["Electronics"] += 6.0
    return Person(
        person_id=f"person-{index + 1:05d}",
        first_name=rng.choice(FIRST_NAMES),
        last_name=rng.choice(LAST_NAMES),
        department_weights=weights,
        favourite_brands={},
        price_level=min(1.0, max(0.0, rng.betavariate(2, 2))),
        activity=rng.lognormvariate(1.25, 0.6),
        loyalty_to_item=rng.uniform(0.5, 0.95),
        speaks_chinese=speaks_chinese,
        home_store=rng.choice(STORES),
    )


def _form_families(rng: random.Random, people: list[Person]) -> None:
    # Families share a surname and one tablet whose app is signed in under each member.
    order = list(range(len(people)))
    rng.shuffle(order)
    cursor = 0
    for family_number in range(1, max(1, len(people) // 40) + 1):
        size = rng.choice((2, 3, 3, 4))
        members = [people[i] for i in order[cursor : cursor + size]]
        cursor += size
        if len(members) < 2:
            break
        for member in members:
            member.family_id = f"family-{family_number:03d}"
            member.last_name = members[0].last_name


def _accounts_for(
    rng: random.Random, person: Person, period_start: datetime, shared_devices: dict[str, list[str]]
) -> list[DemoAccount]:
    channels = [c for c, weight in CHANNEL_WEIGHTS.items() if rng.random() < weight]
    if not channels:
        channels = [rng.choice(("web", "store"))]
    rng.shuffle(channels)
    channels = channels[: rng.choice((1, 2, 2, 3, 3))]
    if person.family_id and "app" not in channels:
        channels.append("app")
    email = _email(rng, person)
    phone_digits = f"{rng.randrange(201, 990)}{rng.randrange(200, 999)}{rng.randrange(0, 10000):04d}"
    member_id = f"LM{rng.randrange(10**7, 10**8)}" if rng.random() < 0.6 else None
    accounts = []
    for channel in sorted(channels, key=list(CHANNEL_WEIGHTS).index):
        signup = period_start - timedelta(days=rng.uniform(1, 900))
        account = DemoAccount(
            user_id="",
            person_id=person.person_id,
            channel=channel,
            attributes={
                "display_name": f"{person.first_name} {person.last_name[0]}.",
                "signup_date": signup.strftime("%Y-%m-%d"),
            },
        )
        if channel == "web":
            if rng.random() < 0.92:  # the rest are guest checkouts with no key at all
                account.email = _messy_email(rng, email)
                account.phone = _format_phone(rng, phone_digits) if rng.random() < 0.2 else None
        elif channel == "app":
            account.email = _messy_email(rng, email) if rng.random() < 0.8 else None
            account.phone = _format_phone(rng, phone_digits) if rng.random() < 0.5 else None
            account.member_id = member_id
            account.device_id = f"dev-{rng.getrandbits(48):012x}"
        elif channel == "store":
            account.phone = _format_phone(rng, phone_digits) if rng.random() < 0.6 else None
            account.member_id = member_id
            account.email = _messy_email(rng, email) if rng.random() < 0.15 else None
            account.attributes["home_store"] = person.home_store
        else:  # social: a handle, an email only when the shopper shared it
            account.handle = (
                f"@{person.first_name.lower()}{person.last_name.lower()[:3]}{rng.randrange(10, 99)}"
            )
            account.email = _messy_email(rng, email) if rng.random() < 0.4 else None
        _add_profile(account, person)
        accounts.append(account)
    if person.family_id:
        device = f"tablet-{person.family_id}"
        app_account = next(a for a in accounts if a.channel == "app")
        app_account.device_id = device
        shared_devices.setdefault(device, []).append(app_account.person_id)  # user ids set later
    return accounts


def age_band(person: Person) -> str:
    """The person's age band, drawn from their own seed so that adding it left every other draw of
    the generator (and so every demo figure) as it was."""
    rng = random.Random(
        f"age|{person.person_id}|{person.first_name}|{person.last_name}|{person.price_level:.9f}"
    )
    return rng.choices(list(AGE_BANDS), weights=list(AGE_BANDS.values()))[0]


def _add_profile(account: DemoAccount, person: Person) -> None:
    """Region on every account with an address (not social handles); the age band where the shop
    asks for a birth year: loyalty members and app profiles."""
    if account.channel != "social":
        account.attributes["region"] = REGIONS[person.home_store]
    if account.member_id is not None or account.channel == "app":
        account.attributes["age_band"] = age_band(person)


def _email(rng: random.Random, person: Person) -> str:
    first, last = person.first_name.lower(), person.last_name.lower().replace("ü", "u")
    first = first.replace("á", "a")
    local = rng.choice(
        (f"{first}.{last}", f"{first}{last}", f"{first[0]}{last}", f"{first}_{last}{rng.randrange(1, 99)}")
    )
    return f"{local}{rng.randrange(1, 999) if rng.random() < 0.5 else ''}@{rng.choice(EMAIL_DOMAINS)}"


def _messy_email(rng: random.Random, email: str) -> str:
    roll = rng.random()
    if roll < 0.55:
        return email
    local, domain = email.split("@")
    if roll < 0.75:
        return f"{local.title()}@{domain.title()}"
    if roll < 0.9:
        return f" {email} "
    return email.upper()


def _format_phone(rng: random.Random, digits: str) -> str:
    area, prefix, line = digits[:3], digits[3:6], digits[6:]
    return rng.choice(
        (
            f"({area}) {prefix}-{line}",
            f"{area}-{prefix}-{line}",
            f"+1 {area} {prefix} {line}",
            digits,
            f"{area}.{prefix}.{line}",
        )
    )


def _assign_user_ids(
    rng: random.Random,
    accounts: list[DemoAccount],
    people: list[Person],
    shared_devices: dict[str, list[str]],
) -> None:
    # Numbers are shuffled per channel so that an id reveals nothing about its owner.
    by_person = {person.person_id: person for person in people}
    for channel in CHANNEL_WEIGHTS:
        in_channel = [a for a in accounts if a.channel == channel]
        numbers = list(range(1, len(in_channel) + 1))
        rng.shuffle(numbers)
        for account, number in zip(in_channel, numbers, strict=True):
            account.user_id = f"{channel}-{number:06d}"
    for account in accounts:
        by_person[account.person_id].account_ids.append(account.user_id)
    for device in shared_devices:
        shared_devices[device] = [a.user_id for a in accounts if a.device_id == device]


def _apply_store_default_phone(rng: random.Random, accounts: list[DemoAccount], n_people: int) -> None:
    """Walk-in shoppers who gave no number get the till's default phone typed in."""
    store_accounts = [a for a in accounts if a.channel == "store" and a.member_id is None]
    walk_ins = rng.sample(store_accounts, k=min(len(store_accounts), round(0.1 * n_people)))
    for account in walk_ins:
        account.phone = STORE_DEFAULT_PHONE
        account.email = None
