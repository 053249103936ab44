"""Histories built from columns equal ``load_training_view``'s, on every backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shelfwise.domain import customer_id_for
from shelfwise.history import customer_of_users, load_training_view
from shelfwise.history.columns import histories_of, item_index_of
from shelfwise.storage import open_store
from shelfwise.storage.base import Store
from shelfwise.testing.mixed_events import mixed_store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = open_store(store_url)
    yield opened  # type: ignore[misc]
    opened.close()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_histories_from_columns_equal_the_event_stream(store: Store, seed: int) -> None:
    mixed_store(store, seed=seed)
    index, histories = load_training_view(store)
    columns = store.event_columns()
    got_index = item_index_of(columns, store.iter_items())
    assert got_index.item_ids == index.item_ids and got_index.known.tolist() == index.known.tolist()
    got = histories_of(columns, got_index, customer_of_users(store))
    assert list(got) == list(histories)  # same customers, same order
    assert got == histories
    # Known answers: three accounts make one customer; items outside the catalog come after it.
    assert index.item_ids[:8] == [f"i{n}" for n in range(8)] and len(index) == 12
    assert len(histories) == 15 - 3 and customer_id_for("u0") in histories


def test_no_events_no_histories(store: Store) -> None:
    columns = store.event_columns()
    index = item_index_of(columns, [])
    assert len(index) == 0 and histories_of(columns, index, {}) == {}


def test_grouped_sets_of_nothing_is_empty_and_of_rows_groups_by_key() -> None:
    # A shop whose events hold no purchase yet (a search log only) reaches it with no rows.
    import numpy as np

    from shelfwise.history.columns import grouped_sets

    assert grouped_sets(np.array([], dtype=np.int64), []) == {}
    assert grouped_sets(np.array([2, 1, 2]), ["a", "b", "c"]) == {1: {"b"}, 2: {"a", "c"}}
