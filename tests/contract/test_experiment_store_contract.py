"""Contract of ``ExperimentStore`` on every backend: round trip, one running experiment per
placement, unique names, ending, and the change each write appends for running servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shelfwise.errors import ConflictError, ValidationError
from shelfwise.storage import ExperimentRecord, Store, open_store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def _experiment(name: str = "home-ab", placement: str = "home", at: float = 100.0) -> ExperimentRecord:
    return ExperimentRecord(
        name=name,
        placement=placement,
        variants={"control": "v0003", "treatment": "v0004"},
        traffic={"control": 0.3, "treatment": 0.7},
        salt="s-" + name,
        status="running",
        created_at=at,
        exploration=0.1,
    )


def test_an_experiment_round_trips_with_its_variant_order(store: Store) -> None:
    reverse = ExperimentRecord(
        "b", "cart", {"zeta": "v0002", "alpha": "v0001"}, {"zeta": 0.5, "alpha": 0.5}, "salt", "running", 5.0
    )
    store.add_experiment(_experiment())
    store.add_experiment(reverse)
    assert store.get_experiment("home-ab") == _experiment()
    assert store.get_experiment("b") == reverse
    assert list(store.get_experiment("b").variants) == ["zeta", "alpha"]
    assert store.get_experiment("b").control == "zeta"
    assert store.get_experiment("nope") is None
    assert [e.name for e in store.list_experiments()] == ["b", "home-ab"]  # oldest first


def test_the_stages_a_variant_runs_without_round_trip(store: Store) -> None:
    record = ExperimentRecord(
        "loop", "home", {"control": "v0003", "treatment": "v0003"}, {"control": 0.5, "treatment": 0.5},
        "salt", "running", 1.0, stages_off={"control": ("click",)},
    )  # fmt: skip
    store.add_experiment(record)
    assert store.get_experiment("loop") == record
    assert store.get_experiment("loop").stages_off == {"control": ("click",)}
    assert store.list_experiments()[0].stages_off == {"control": ("click",)}


def test_names_are_unique_and_one_experiment_runs_per_placement(store: Store) -> None:
    store.add_experiment(_experiment())
    with pytest.raises(ConflictError, match="already exists"):
        store.add_experiment(_experiment(placement="cart"))
    with pytest.raises(ConflictError, match="already runs on placement 'home'"):
        store.add_experiment(_experiment("second"))
    store.add_experiment(_experiment("on-cart", placement="cart"))
    assert {e.name for e in store.list_experiments("running")} == {"home-ab", "on-cart"}


def test_ending_frees_the_placement_and_happens_once(store: Store) -> None:
    store.add_experiment(_experiment())
    assert store.end_experiment("home-ab", "shipped", 200.0, shipped_variant="treatment")
    assert not store.end_experiment("home-ab", "stopped", 300.0)  # already ended
    assert not store.end_experiment("missing", "stopped", 300.0)
    ended = store.get_experiment("home-ab")
    assert (ended.status, ended.stopped_at, ended.shipped_variant) == ("shipped", 200.0, "treatment")
    assert store.list_experiments("running") == []
    store.add_experiment(_experiment("next", at=250.0))  # the placement is free again
    assert [e.name for e in store.list_experiments("running")] == ["next"]
    with pytest.raises(ValidationError, match="status"):
        store.end_experiment("next", "running", 1.0)


def test_every_write_appends_an_experiments_change(store: Store) -> None:
    start = store.changes_after(0)
    seq = start[-1].seq if start else 0
    store.add_experiment(_experiment())
    store.end_experiment("home-ab", "stopped", 2.0)
    with pytest.raises(ConflictError):
        store.add_experiment(_experiment())  # a refused write appends nothing
    assert [(c.kind, c.subject) for c in store.changes_after(seq)] == [
        ("experiments", "home-ab"),
        ("experiments", "home-ab"),
    ]
