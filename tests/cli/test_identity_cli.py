"""A generated omnichannel account set goes in through the CLI; the customers that come out match
the links the evidence supports, and neither the store's default phone nor a family tablet merges
different people."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from pathlib import Path

from shelfwise.identity import pairwise_scores
from shelfwise.testing.synthetic_accounts import generate_accounts


def _write_accounts(path: Path, n_people: int) -> object:
    data = generate_accounts(n_people=n_people, seed=3)
    with open(path, "w") as handle:
        for account in data.accounts:
            row = {k: v for k, v in asdict(account).items() if k != "seq" and v is not None}
            handle.write(json.dumps(row) + "\n")
    return data


def test_customers_from_the_cli_match_the_evidence(run, tmp_path: Path) -> None:
    path = tmp_path / "accounts.jsonl"
    data = _write_accounts(path, n_people=2000)
    run("ingest", "users", str(path), check=True)
    out = tmp_path / "customers.jsonl"
    run("customers", "--output", str(out), check=True)
    clusters = [json.loads(line)["user_ids"] for line in out.read_text().splitlines()]

    scores = pairwise_scores(clusters, data.true_pairs)
    assert scores.precision >= 0.99 and scores.recall >= 0.99, scores
    walk_ins = set(data.walk_in_user_ids)
    assert max(len(set(c) & walk_ins) for c in clusters) <= 1  # nobody absorbs the walk-ins
    assert max(len(c) for c in clusters) <= 6
    for people in data.family_devices.values():
        assert len(people) >= 2
    for cluster in clusters:  # a family tablet never merges different people
        assert len({data.person_of[u] for u in cluster}) == 1

    # The default phone is reported on a walk-in's customer.
    shown = run("customers", "show", data.walk_in_user_ids[0], check=True).stdout
    assert "ignored shared phone" in shown and "too many to be one person" in shown

    # No raw email or phone is stored anywhere in the database.
    db = tmp_path / "home" / "shelfwise.db"
    dump = "\n".join(sqlite3.connect(db).iterdump())
    raw_values = [a.email for a in data.accounts if a.email] + [a.phone for a in data.accounts if a.phone]
    assert not [v for v in raw_values[:500] if v.strip() and v.strip() in dump]


def test_detach_is_explained_and_survives_a_later_ingest(run, tmp_path: Path) -> None:
    path = tmp_path / "accounts.jsonl"
    path.write_text(
        '{"user_id": "web-1", "channel": "web", "email": " Ann@Example.com "}\n'
        '{"user_id": "store-1", "channel": "store", "email": "ann@example.com", "phone": "+1 (555) 123-4567"}\n'
        '{"user_id": "app-1", "channel": "app", "phone": "555.123.4567", "device_id": "tablet-9"}\n'
        '{"user_id": "app-2", "channel": "app", "device_id": "tablet-9"}\n'
    )
    run("ingest", "users", str(path), check=True)
    shown = run("customers", "show", "store-1", check=True).stdout
    assert "3 account(s)" in shown and "same email" in shown and "same phone" in shown
    assert "app-2" not in shown  # a shared tablet alone never links

    run("customers", "detach", "app-1", check=True)
    run("ingest", "users", str(path), check=True)  # a later ingest does not undo the split
    assert "2 account(s)" in run("customers", "show", "store-1", check=True).stdout
    assert "1 account(s)" in run("customers", "show", "app-1", check=True).stdout
    run("customers", "reattach", "app-1", check=True)
    assert "3 account(s)" in run("customers", "show", "web-1", check=True).stdout
