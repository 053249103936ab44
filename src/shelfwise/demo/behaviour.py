"""The shopper simulation: people go on shopping missions and leave events behind.

A *mission* is one intent ("buy running shoes"). Online it is a session: maybe a search
(with typos now and then) with its result impressions and clicks, product views of a few
substitutes and the chosen item, then add-to-cart and, sometimes, a purchase. In a store it is
a basket of purchases with a ``store_id`` and no views. Purchases trigger what real shoppers do
next: complements a few days later (often in another channel), ratings and reviews, and
re-purchases of consumables.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shelfwise.demo.catalog import FOLLOW_UPS, Catalog, complements_of_kind
from shelfwise.demo.items import DemoItem, is_chinese
from shelfwise.demo.people import STORES, DemoAccount, Person, Population

DAY = 86400.0
ONLINE_CHANNELS = ("web", "app", "social")
# How often a mission within a department is about this kind of item (default 1).
MISSION_WEIGHTS: dict[str, float] = {
    "phone": 5, "earbuds": 2.5, "headphones": 1.5, "speaker": 1.2, "tablet": 1.5, "case": 1.0, "protector": 0.3,
    "charger": 0.7, "tablet_case": 0.2, "laptop": 4, "monitor": 1.5, "sleeve": 0.4, "laptop_bag": 0.6, "hub": 0.5,
    "coffee_maker": 3, "beans": 2, "filters": 0.4, "grinder": 0.8, "pan": 1.5, "knife": 1.2, "shampoo": 3,
    "conditioner": 0.8, "moisturizer": 1.5, "cleanser": 1.2, "lipstick": 1.5, "running_shoes": 3, "socks": 0.8,
    "building_set": 3, "pet_food": 3, "sheets": 1.5, "puzzle": 1.5, "snacks": 3, "tea": 1.5, "pantry": 1.5, "garden_tool": 2, "seeds": 1.5,
}  # fmt: skip
# Mean days between re-purchases of a consumable.
REPURCHASE_DAYS: dict[str, float] = {
    "beans": 21, "filters": 45, "shampoo": 40, "conditioner": 45, "snacks": 14, "tea": 30, "pantry": 25,
    "cleanser": 45, "moisturizer": 50, "pet_food": 30, "pet_treats": 20,
}  # fmt: skip
PURCHASE_CHANCE = {"web": 0.4, "app": 0.45, "social": 0.06}
# Second thoughts: a viewed, unclicked substitute dismissed ("not interested") on the web or app;
# a durable item rated 1–2 stars sent back.
DISMISS_CHANCE = 0.05
RETURN_CHANCE = 0.5
REVIEW_TEXT = {
    5: [
        "Love it, exactly as described.",
        "Excellent quality, would buy again.",
        "Five stars. Fast delivery too.",
    ],
    4: ["Very good, minor quibbles.", "Works well, good value for the price.", "Happy with it overall."],
    3: ["It's okay. Does the job.", "Average, expected a bit more.", "Fine but nothing special."],
    2: ["Disappointed, feels cheap.", "Stopped working properly after two weeks.", "Not as pictured."],
    1: [
        "Broke on day one, returned it.",
        "Terrible, do not buy.",
        "Arrived damaged and support was no help.",
    ],
}


@dataclass(slots=True)
class _Visit:
    """Where a mission happens: the account, and a session id shared by its events."""

    account: DemoAccount
    session_id: str
    store_id: str | None = None


class ShopSimulation:
    def __init__(
        self,
        rng: random.Random,
        catalog: Catalog,
        population: Population,
        start: datetime,
        end: datetime,
        doubts: random.Random | None = None,
    ) -> None:
        self.rng = rng
        # Second thoughts (dismisses, returns) draw from their own stream: the rest stays as it was.
        self.doubts = doubts or random.Random(0)
        self.catalog = catalog
        self.start = start.timestamp()
        self.end = end.timestamp()
        self.accounts = {a.user_id: a for a in population.accounts}
        self.people = population.people
        self.rows: list[tuple[float, int, dict[str, Any]]] = []
        self.sessions = 0
        self.owned: dict[str, set[str]] = {}  # person_id -> durable items already bought
        self.kinds_by_department: dict[str, list[str]] = {}
        self.brands_by_department: dict[str, list[str]] = {}
        # Where an item sits between the cheapest (0) and dearest (1) of its kind.
        self.price_rank: dict[str, float] = {}
        for kind, items in catalog.by_kind.items():
            department = items[0].category[0]
            self.kinds_by_department.setdefault(department, []).append(kind)
            brands = self.brands_by_department.setdefault(department, [])
            brands.extend(b for b in sorted({item.brand for item in items}) if b not in brands)
            prices = sorted(item.price for item in items)
            for item in items:
                self.price_rank[item.item_id] = prices.index(item.price) / max(1, len(prices) - 1)

    def run(self) -> list[dict[str, Any]]:
        days = (self.end - self.start) / DAY
        for person in self.people:
            n_missions = max(1, int(person.activity * days / 120 + self.rng.random()))
            for _ in range(n_missions):
                when = self.start + self.rng.uniform(0, self.end - self.start - DAY)
                self._mission(person, self._daytime(when), self._pick_kind(person), forced=None)
        self.rows.sort(key=lambda row: (row[0], row[1]))
        events = []
        for number, (timestamp, _, fields) in enumerate(self.rows, start=1):
            stamp = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            events.append({"event_id": f"ev-{number:07d}", **fields, "timestamp": stamp})
        return events

    # -- choosing what and where -------------------------------------------------------------

    def _daytime(self, when: float) -> float:
        # Shoppers are awake: move the moment to a plausible hour of the same day.
        midnight = when - when % DAY
        hour = self.rng.choices(
            range(24), weights=[1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 8, 7, 6, 6, 6, 7, 9, 11, 12, 10, 6, 3]
        )[0]
        return midnight + hour * 3600 + self.rng.uniform(0, 3600)

    def _pick_kind(self, person: Person) -> str:
        departments = list(person.department_weights)
        department = self.rng.choices(
            departments, weights=[person.department_weights[d] for d in departments]
        )[0]
        kinds = self.kinds_by_department[department]
        return self.rng.choices(kinds, weights=[MISSION_WEIGHTS.get(k, 1.0) for k in kinds])[0]

    def _pick_item(
        self, person: Person, candidates: list[DemoItem], exclude: DemoItem | None = None
    ) -> DemoItem:
        pool = [c for c in candidates if c is not exclude] or candidates
        department = pool[0].category[0]
        favourite = person.favourite_brands.get(department)
        if favourite is None:
            favourite = self.rng.choice(self.brands_by_department[department])
            person.favourite_brands[department] = favourite
        owned = self.owned.get(person.person_id, set())
        weights = []
        for item in pool:
            price_gap = self.price_rank[item.item_id] - person.price_level
            weight = item.popularity * math.exp(-(price_gap**2) / 0.1)
            weight *= 3.0 if item.brand == favourite else 1.0
            weight *= 0.3 if not item.in_stock else 1.0
            weight *= 0.03 if item.item_id in owned else 1.0  # nobody needs the same laptop twice
            if item.chinese_title:
                weight *= 5.0 if person.speaks_chinese else 0.4
            weights.append(weight)
        return self.rng.choices(pool, weights=weights)[0]

    def _visit(self, person: Person, prefer_online: float) -> _Visit:
        accounts = [self.accounts[user_id] for user_id in person.account_ids]
        online = [a for a in accounts if a.channel in ONLINE_CHANNELS]
        stores = [a for a in accounts if a.channel == "store"]
        if online and (not stores or self.rng.random() < prefer_online):
            # Social accounts browse more than they buy; web and app carry most sessions.
            account = self.rng.choices(
                online, weights=[0.35 if a.channel == "social" else 1.0 for a in online]
            )[0]
            self.sessions += 1
            return _Visit(account, f"sess-{self.sessions:06d}")
        self.sessions += 1
        store_id = person.home_store if self.rng.random() < 0.9 else self.rng.choice(STORES)
        return _Visit(stores[0], f"rcpt-{self.sessions:06d}", store_id)

    # -- missions ----------------------------------------------------------------------------

    def _mission(self, person: Person, when: float, kind: str, forced: DemoItem | None) -> None:
        """One intent; ``forced`` is an item the person has already decided to buy."""
        if when >= self.end:
            return
        visit = self._visit(person, prefer_online=0.8 if forced is not None else 0.72)
        chosen = forced or self._pick_item(person, self.catalog.by_kind[kind])
        if visit.store_id is not None:
            self._store_basket(person, visit, when, chosen)
        else:
            self._online_session(person, visit, when, chosen, buy=forced is not None)

    def _store_basket(self, person: Person, visit: _Visit, when: float, chosen: DemoItem) -> None:
        basket = [chosen]
        if self.rng.random() < 0.35:
            for _ in range(self.rng.choice((1, 1, 2))):
                basket.append(self._pick_item(person, self.catalog.by_kind[self._pick_kind(person)]))
        for item in basket:
            when += self.rng.uniform(5, 40)
            self._purchase(person, visit, when, item)

    def _online_session(
        self, person: Person, visit: _Visit, when: float, chosen: DemoItem, buy: bool
    ) -> None:
        rng = self.rng
        same_kind = self.catalog.by_kind[chosen.kind]
        channel = visit.account.channel
        if rng.random() < (0.55 if channel != "social" else 0.1):
            when = self._search(person, visit, when, chosen, same_kind)
        n_substitutes = (
            rng.randint(2, 4) if chosen.kind in ("phone", "laptop", "tablet") else rng.randint(0, 2)
        )
        browsed = [self._pick_item(person, same_kind, exclude=chosen) for _ in range(n_substitutes)]
        browsed.insert(rng.randint(max(0, len(browsed) - 1), len(browsed)), chosen)
        for item in browsed:
            when += rng.uniform(10, 120)
            self._emit(when, visit, "view", item)
            if item is chosen or rng.random() < 0.35:
                when += rng.uniform(3, 30)
                self._emit(when, visit, "click", item)
            elif channel in ("web", "app") and self.doubts.random() < DISMISS_CHANCE:
                self._emit(when + 2, visit, "dismiss", item)  # "not interested" on a substitute
        if buy or rng.random() < PURCHASE_CHANCE[channel]:
            when += rng.uniform(10, 90)
            self._emit(when, visit, "add_to_cart", chosen, value=1)
            when += rng.uniform(30, 600)
            self._purchase(person, visit, when, chosen)
        elif rng.random() < 0.3:
            self._emit(when + rng.uniform(10, 90), visit, "add_to_cart", chosen, value=1)  # abandoned cart

    def _search(
        self, person: Person, visit: _Visit, when: float, chosen: DemoItem, same_kind: list[DemoItem]
    ) -> float:
        rng = self.rng
        terms = [t for t in chosen.search_terms if is_chinese(t) == person.speaks_chinese] or [
            t for t in chosen.search_terms if not is_chinese(t)
        ]
        query = rng.choice(terms or [chosen.title.lower()])
        if not is_chinese(query) and len(query) > 4 and rng.random() < 0.07:
            query = _typo(rng, query)
        self._emit(when, visit, "search", None, query=query)
        others = sorted((i for i in same_kind if i is not chosen), key=lambda i: -i.popularity)[:5]
        results = [*others]
        results.insert(rng.randint(0, min(3, len(others))), chosen)
        when += rng.uniform(1, 3)
        for item in results:
            self._emit(when, visit, "impression", item, query=query)
        if len(results) > 1 and rng.random() < 0.3:
            when += rng.uniform(5, 40)
            self._emit(when, visit, "click", rng.choice([i for i in results if i is not chosen]), query=query)
        when += rng.uniform(5, 40)
        self._emit(when, visit, "click", chosen, query=query)
        return when

    # -- after a purchase --------------------------------------------------------------------

    def _purchase(self, person: Person, visit: _Visit, when: float, item: DemoItem) -> None:
        rng = self.rng
        quantity = rng.choice((1, 1, 1, 2)) if item.consumable else 1
        price = round(item.price * (0.85 if rng.random() < 0.1 else 1.0), 2)
        self._emit(when, visit, "purchase", item, value=quantity, price=price)
        if not item.consumable:
            self.owned.setdefault(person.person_id, set()).add(item.item_id)
        if rng.random() < 0.25:
            self._rate(person, when + rng.uniform(2, 20) * DAY, item)
        for kind, chance, (low, high) in FOLLOW_UPS.get(item.kind, []):
            fitting = complements_of_kind(self.catalog, item, kind)
            if not fitting or rng.random() >= chance:
                continue
            complement = self._pick_item(person, fitting[:6])
            delay = rng.uniform(low, high)
            if delay < 0.5 and rng.random() < 0.5:
                # Bought together: same session or basket, a minute later.
                if visit.store_id is None:
                    self._emit(when + 60, visit, "add_to_cart", complement, value=1)
                self._purchase(person, visit, when + rng.uniform(60, 300), complement)
            else:
                self._mission(person, self._daytime(when + max(delay, 0.5) * DAY), kind, forced=complement)
        if item.consumable and rng.random() < 0.65:
            gap = REPURCHASE_DAYS[item.kind] * rng.uniform(0.7, 1.3)
            again = (
                item
                if rng.random() < person.loyalty_to_item
                else self._pick_item(person, self.catalog.by_kind[item.kind])
            )
            self._mission(person, self._daytime(when + gap * DAY), item.kind, forced=again)

    def _rate(self, person: Person, when: float, item: DemoItem) -> None:
        if when >= self.end:
            return
        online = [self.accounts[u] for u in person.account_ids if self.accounts[u].channel in ("web", "app")]
        if not online:
            return
        rng = self.rng
        self.sessions += 1
        visit = _Visit(rng.choice(online), f"sess-{self.sessions:06d}")
        stars = min(5, max(1, round(rng.gauss(1 + 4 * item.quality, 0.8))))
        self._emit(when, visit, "rate", item, value=stars)
        if stars <= 2 and not item.consumable and self.doubts.random() < RETURN_CHANCE:
            self._emit(when + 60, visit, "return", item)  # disappointed: rated it and sent it back
        if rng.random() < 0.35:
            self._emit(
                when + rng.uniform(20, 300),
                visit,
                "review",
                item,
                value=stars,
                text=rng.choice(REVIEW_TEXT[stars]),
            )

    def _emit(
        self,
        when: float,
        visit: _Visit,
        event_type: str,
        item: DemoItem | None,
        *,
        value: float | None = None,
        price: float | None = None,
        query: str | None = None,
        text: str | None = None,
    ) -> None:
        if when >= self.end:
            return
        fields: dict[str, Any] = {"user_id": visit.account.user_id, "type": event_type}
        if item is not None:
            fields["item_id"] = item.item_id
        fields["channel"] = visit.account.channel
        fields["session_id"] = visit.session_id
        optional = {"query": query, "value": value, "price": price, "store_id": visit.store_id, "text": text}
        fields.update({key: v for key, v in optional.items() if v is not None})
        self.rows.append((when, len(self.rows), fields))


def _typo(rng: random.Random, text: str) -> str:
    position = rng.randrange(1, len(text) - 1)
    if rng.random() < 0.5:  # swap two neighbours
        return text[:position] + text[position + 1] + text[position] + text[position + 2 :]
    return text[:position] + text[position + 1 :]  # drop one
