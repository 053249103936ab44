"""Write a demo shop to disk: ``items.jsonl``, ``accounts.jsonl``, ``events.jsonl`` and the
answer key ``truth.json``. Same seed, same bytes."""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from shelfwise.demo.behaviour import ShopSimulation
from shelfwise.demo.catalog import build_catalog
from shelfwise.demo.people import STORE_DEFAULT_PHONE, build_population

# A fixed calendar keeps the output independent of the day it is generated.
PERIOD_END = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ShopTruth:
    """What the generator knows and the product must rediscover."""

    complements: dict[str, list[str]]  # item_id -> complementary item_ids, strongest first
    item_kinds: dict[str, str]  # item_id -> "phone", "case", "charger", ...
    person_accounts: dict[str, list[str]]  # person_id -> user_ids of that one person
    shared_devices: dict[str, list[str]]  # device_id -> user_ids of *different* people (family tablet)
    store_default_phone: str

    @property
    def account_person(self) -> dict[str, str]:
        return {user_id: person for person, user_ids in self.person_accounts.items() for user_id in user_ids}

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ShopFiles:
    items_path: Path
    accounts_path: Path
    events_path: Path
    truth_path: Path
    n_items: int
    n_accounts: int
    n_events: int
    n_people: int
    truth: ShopTruth


def generate_shop(out_dir: Path, seed: int = 7, n_customers: int = 1500, days: int = 120) -> ShopFiles:
    """Generate a fictional omnichannel shop into ``out_dir`` (created if missing)."""
    if n_customers < 1 or days < 2:
        raise ValueError("a demo shop needs at least one customer and two days")
    rng = random.Random(seed)
    period_start = PERIOD_END - timedelta(days=days)
    catalog = build_catalog(random.Random(rng.getrandbits(64)), period_start - timedelta(days=365))
    population = build_population(random.Random(rng.getrandbits(64)), n_customers, period_start)
    simulation_rng = random.Random(rng.getrandbits(64))
    # Drawn last, so dismisses and returns leave every other choice of a seed's shop as it was.
    doubts = random.Random(rng.getrandbits(64))
    simulation = ShopSimulation(simulation_rng, catalog, population, period_start, PERIOD_END, doubts)
    events = simulation.run()

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / f"{name}.jsonl" for name in ("items", "accounts", "events")}
    _write_jsonl(paths["items"], (item.to_record() for item in catalog.items))
    _write_jsonl(paths["accounts"], (account.to_record() for account in population.accounts))
    _write_jsonl(paths["events"], events)
    truth = ShopTruth(
        complements=catalog.complements,
        item_kinds={item.item_id: item.kind for item in catalog.items},
        person_accounts={person.person_id: list(person.account_ids) for person in population.people},
        shared_devices=population.shared_devices,
        store_default_phone=STORE_DEFAULT_PHONE,
    )
    truth_path = out_dir / "truth.json"
    truth_path.write_text(json.dumps(truth.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return ShopFiles(
        items_path=paths["items"],
        accounts_path=paths["accounts"],
        events_path=paths["events"],
        truth_path=truth_path,
        n_items=len(catalog.items),
        n_accounts=len(population.accounts),
        n_events=len(events),
        n_people=len(population.people),
        truth=truth,
    )


def _write_jsonl(path: Path, rows: Any) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
            handle.write("\n")
