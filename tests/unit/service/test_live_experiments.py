"""The server's experiment router: who gets which loaded version, and how the list is stamped."""

from __future__ import annotations

from dataclasses import dataclass, replace

from shelfwise.domain import ScoredItem
from shelfwise.experiments.assignment import assign
from shelfwise.service.live_experiments import ExperimentRouter
from shelfwise.service.pipeline import RankedList
from shelfwise.storage.base import ExperimentRecord


@dataclass(frozen=True)
class Loaded:
    version: str


def _record(name: str, placement: str = "home", exploration: float = 0.0) -> ExperimentRecord:
    return ExperimentRecord(
        name, placement, {"control": "v1", "treatment": "v2"}, {"control": 0.5, "treatment": 0.5},
        f"salt-{name}", "running", 0.0, exploration,
    )  # fmt: skip


def _ranked(n: int) -> RankedList:
    items = tuple(ScoredItem(f"i{p}", 1.0 - p / 100) for p in range(n))
    return RankedList("r", "recommendations", "home", "v1", "c", items)


def test_routes_the_placement_by_customer_and_leaves_the_rest_to_the_served_version() -> None:
    router: ExperimentRouter[Loaded] = ExperimentRouter()
    served, loads = Loaded("v9"), []

    def model_of(version: str) -> Loaded:
        loads.append(version)
        return Loaded(version)

    router.follow([_record("ab")], model_of)
    assert loads == ["v1", "v2"]
    for customer in ("c-1", "c-2", "c-3", "c-4"):
        route = router.route("home", customer, served)
        wanted = assign("salt-ab", customer, {"control": 0.5, "treatment": 0.5})
        assert (route.variant, route.model.version) == (wanted, {"control": "v1", "treatment": "v2"}[wanted])
    assert router.route("cart", "c-1", served).model is served
    assert router.route("home", None, served).model is served  # no shopper: nobody to assign


def test_following_returns_what_no_experiment_needs_any_more() -> None:
    router: ExperimentRouter[Loaded] = ExperimentRouter()
    router.follow([_record("ab")], Loaded)
    v1, v2 = router.running["home"].models["control"], router.running["home"].models["treatment"]
    assert router.loaded("v2") is v2
    assert router.follow([], Loaded) == [v1, v2]
    assert router.running == {} and router.route("home", "c-1", Loaded("v9")).model.version == "v9"


def test_answers_name_the_variant_and_exploration_logs_a_propensity_per_slot() -> None:
    router: ExperimentRouter[Loaded] = ExperimentRouter()
    router.follow([_record("plain"), _record("explore", placement="search", exploration=0.3)], Loaded)
    asked: list[int] = []

    def fetch(n: int) -> RankedList:
        asked.append(n)
        # a longer list may reorder its head (diversity over more candidates): only the spares count
        return (
            _ranked(n)
            if n == 10
            else RankedList("x", "recommendations", "home", "v1", "c", tuple(reversed(_ranked(n).items)))
        )

    plain = router.route("home", "c-1", Loaded("v9"))
    answered = router.answer(plain, 10, fetch)
    assert (answered.experiment, answered.variant, answered.propensities) == ("plain", plain.variant, None)
    assert answered.items == _ranked(10).items and asked == [10]

    asked.clear()
    exploring = router.route("search", "c-1", Loaded("v9"))
    answered = router.answer(exploring, 10, fetch)
    assert asked == [10, 30]  # the list itself, then the spares
    assert len(answered.items) == 10 and len({s.item_id for s in answered.items}) == 10
    for position, (scored, propensity) in enumerate(zip(answered.items, answered.propensities, strict=True)):
        if scored.item_id == f"i{position}":
            assert propensity == 0.7
        else:
            assert propensity == 0.3 / 20 and int(scored.item_id[1:]) >= 10
    assert router.answer(router.route("home", None, Loaded("v9")), 10, fetch).experiment is None


def test_every_account_of_one_customer_gets_the_same_variant() -> None:
    from shelfwise.domain import Event, customer_id_for
    from shelfwise.profiles import ProfileBook
    from shelfwise.service.serving_experiments import ServingExperiments
    from shelfwise.storage import open_store

    store = open_store("memory://")
    store.ensure_accounts([("web-ann", "web"), ("app-ann", "app")], {"web-ann": "c-ann", "app-ann": "c-ann"})
    store.append_events([("k", Event("web-ann", "view", 1.0, item_id="x", channel="web"))])

    class Engine(ServingExperiments):
        def __init__(self) -> None:
            self.profiles = ProfileBook.load(store)
            self._init_experiments()

        def active(self) -> Loaded:  # type: ignore[override]
            return Loaded("v9")

    engine = Engine()
    seen = set()
    for n in range(40):  # forty experiments, forty salts: the two accounts never split
        engine.experiments.follow([_record(f"e{n}")], Loaded)
        web, app = engine._route("home", "web-ann"), engine._route("home", "app-ann")
        assert web.variant == app.variant == assign(f"salt-e{n}", "c-ann", {"control": 0.5, "treatment": 0.5})
        seen.add(web.variant)
        # an account the server does not know yet keeps its variant once it becomes a customer
        assert engine._route("home", "new-user").variant == assign(
            f"salt-e{n}", customer_id_for("new-user"), {"control": 0.5, "treatment": 0.5}
        )
    assert seen == {"control", "treatment"}
    store.close()


def test_a_route_carries_the_stages_its_variant_runs_without() -> None:
    router: ExperimentRouter[Loaded] = ExperimentRouter()
    record = ExperimentRecord(
        "loop", "home", {"control": "v1", "treatment": "v1"}, {"control": 0.5, "treatment": 0.5},
        "salt-loop", "running", 0.0, stages_off={"control": ("click",)},
    )  # fmt: skip
    router.follow([record], Loaded)
    seen = {}
    for n in range(40):
        route = router.route("home", f"c-{n}", Loaded("v9"))
        seen[route.variant] = route.stages_off
    assert seen == {"control": frozenset({"click"}), "treatment": frozenset()}
    assert router.route("cart", "c-1", Loaded("v9")).stages_off == frozenset()  # no experiment there


def test_an_explored_slot_logs_the_spares_rank_in_the_source_not_its_slot() -> None:
    router: ExperimentRouter[Loaded] = ExperimentRouter()
    router.follow([_record("explore", placement="search", exploration=0.5)], Loaded)

    def fetch(n: int) -> RankedList:
        ranked = _ranked(n)
        return replace(ranked, source_ranks={s.item_id: rank for rank, s in enumerate(ranked.items)})

    answered = router.answer(router.route("search", "c-1", Loaded("v9")), 10, fetch)
    explored = [p for p, s in enumerate(answered.items) if s.item_id != f"i{p}"]
    assert explored  # half the slots explore: some do
    for position, scored in enumerate(answered.items):
        rank = answered.source_ranks[scored.item_id]
        assert rank == int(scored.item_id[1:])  # the rank the source gave it, kept or explored
        assert (rank != position) == (position in explored)
