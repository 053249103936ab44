"""The demo shop the dashboard's browser tests and screenshots open: ``shelfwise demo``'s generated
omnichannel shop, small (120 people) and trained briefly with the fake encoder, plus a second
(transitions) version to roll back from, a few rejected rows, audit flags and two API keys."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from shelfwise.service.audit import AuditService
from shelfwise.service.context import ServiceContext
from shelfwise.service.customers import CustomerService
from shelfwise.service.demo import run_demo
from shelfwise.service.ingest import IngestService
from shelfwise.service.keys import KeyService
from shelfwise.settings import Settings
from shelfwise.training.job import TrainOptions, train

CUSTOMERS = 120
# Rows a real export gets wrong: the data-quality page groups them by reason.
BAD_EVENTS = (
    '{"user_id": "web-x1", "item_id": "nope", "type": "view", "timestamp": "yesterday"}\n'
    '{"user_id": "web-x2", "item_id": "nope", "type": "view", "timestamp": "last week"}\n'
    '{"user_id": "web-x3", "type": "purchase", "timestamp": 1790000000}\n'
)


@dataclass(frozen=True)
class DemoShop:
    home: Path
    admin_key: str
    read_key: str
    linked_accounts: tuple[str, str]  # the oldest account of a two-channel customer, another of its accounts

    def env(self) -> dict[str, str]:
        """The environment of a ``shelfwise serve`` on this shop (API keys required)."""
        return {**os.environ, "SHELFWISE_HOME": str(self.home), "SHELFWISE_SEARCH__ENCODER": "fake"}


def build_demo_shop(home: Path) -> DemoShop:
    settings = Settings(home=home, search={"encoder": "fake"})
    ctx = ServiceContext(settings)
    try:
        run_demo(ctx, seed=7, n_customers=CUSTOMERS, train_minutes=0.2, encoder="fake")
        options = TrainOptions(seed=1, max_minutes=0.2, progress=False, encoder="fake", model="transitions")
        train(settings, ctx.store, options)  # v0002: served, with v0001 to roll back to
        bad = home / "bad-events.jsonl"
        bad.write_text(BAD_EVENTS)
        IngestService(ctx).ingest_file("events", bad)
        AuditService(ctx).run()
        keys = KeyService(ctx)
        linked = next(c for c in CustomerService(ctx).customers() if len(c.event_channels) >= 2)
        return DemoShop(
            home,
            keys.create(["admin"], name="dashboard").key,
            keys.create(["read"]).key,
            (linked.user_ids[0], linked.user_ids[1]),
        )
    finally:
        ctx.close()


@dataclass
class Watched:
    """A page and what went wrong on it: console errors and requests that failed or answered >= 400."""

    page: object
    problems: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)  # substrings of problems a test provokes on purpose
