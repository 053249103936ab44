"""The split of --max-minutes between the steps of ``train``: known answers, no clock."""

import pytest

from shelfwise.training.budget import (
    MIN_NEXT_ITEM_S,
    ShopSize,
    affordable,
    finish_reserve,
    next_item_share,
    plan_budget,
    search_weight,
)


def test_without_a_search_log_the_next_item_model_gets_all_but_the_later_steps_shares() -> None:
    # 20 minutes, 60 s spent loading: 1,200 × (1 − 0.04 − 0.11) − 60 = 960 s of next-item fitting.
    plan = plan_budget(20.0, 60.0, ShopSize(interactions=198_502))
    assert plan.total == pytest.approx(1200.0)
    assert plan.search_end == pytest.approx(1152.0)
    assert plan.next_item_end == pytest.approx(1020.0)
    assert plan.next_item_minutes(60.0) == pytest.approx(16.0)


def test_a_search_log_takes_its_share_in_proportion_to_its_events() -> None:
    # 10,000 engagements, 30,000 logged search events, no fine-tuning: the next-item model gets a
    # quarter of the 1,020 s the two learning steps share (20 min, 0 s spent).
    shop = ShopSize(interactions=10_000, search_events=30_000)
    assert next_item_share(shop) == pytest.approx(0.25)
    plan = plan_budget(20.0, 0.0, shop)
    assert plan.next_item_end == pytest.approx(255.0)
    assert plan.search_end == pytest.approx(1152.0)


def test_fine_tuning_the_query_encoder_enlarges_the_search_claim() -> None:
    # Tuning takes 40 % of the search step, so its 6,000 events claim 6,000 / 0.6 = 10,000.
    shop = ShopSize(interactions=10_000, search_events=6_000, tune_share=0.4)
    assert search_weight(shop) == pytest.approx(10_000.0)
    assert next_item_share(shop) == pytest.approx(0.5)
    assert next_item_share(ShopSize(interactions=10_000, search_events=6_000)) == pytest.approx(0.625)


def test_neither_learning_step_is_starved_by_a_lopsided_shop() -> None:
    assert next_item_share(ShopSize(interactions=10, search_events=1_000_000)) == pytest.approx(0.2)
    assert next_item_share(ShopSize(interactions=1_000_000, search_events=10)) == pytest.approx(0.8)


def test_a_budget_eaten_by_loading_leaves_the_next_item_model_its_floor() -> None:
    plan = plan_budget(1.0, 120.0, ShopSize(interactions=100, search_events=100))
    assert plan.next_item_end == pytest.approx(120.0)
    assert plan.next_item_minutes(120.0) == pytest.approx(MIN_NEXT_ITEM_S / 60.0)


def test_the_finishing_steps_are_kept_aside_before_the_split() -> None:
    # 2 minutes, 20 s spent loading (so 2.5 × 20 = 50 s kept for profiles and the search index):
    # the click model stops at 120 − 50 = 70 s, the search step at 70 − 4.8, and the next-item
    # model gets 65.2 − 13.2 − 20 = 32 s.
    finish = finish_reserve(20.0)
    assert finish == pytest.approx(50.0)
    plan = plan_budget(2.0, 20.0, ShopSize(interactions=198_502), finish)
    assert plan.total == pytest.approx(70.0)
    assert plan.search_end == pytest.approx(65.2)
    assert plan.next_item_end == pytest.approx(52.0)
    # Without a reserve the plan is the one before it existed.
    assert plan_budget(2.0, 20.0, ShopSize(interactions=1), 0.0).total == pytest.approx(120.0)


def test_a_reserve_larger_than_the_budget_leaves_no_step_a_negative_deadline() -> None:
    plan = plan_budget(1.0, 40.0, ShopSize(interactions=1_000), finish_reserve(40.0))
    assert plan.total == pytest.approx(40.0) and plan.search_end == pytest.approx(40.0)
    assert plan.next_item_end == pytest.approx(40.0)
    assert plan.next_item_minutes(40.0) == pytest.approx(MIN_NEXT_ITEM_S / 60.0)


def test_an_optional_step_runs_only_when_its_estimate_fits_its_window() -> None:
    assert affordable(30.0, 30.0) and not affordable(30.1, 30.0) and not affordable(1.0, -5.0)
