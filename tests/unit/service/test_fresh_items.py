"""New arrivals the served model has not seen: encoded in the background, matched through text, and
given a slot in the next-item list with a reason that states the match."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from shelfwise.domain import Event, Item, ScoredItem
from shelfwise.encoders import HashingEncoder, item_text
from shelfwise.profiles import ProfileBook
from shelfwise.service.fresh_items import FreshItems
from shelfwise.storage import StoredEvent


def test_new_items_are_encoded_and_matched_by_text(tmp_path: Path) -> None:
    encoder = HashingEncoder(dim=64)
    fresh = FreshItems(lambda: encoder, tmp_path / "cache", 64)
    fresh.submit([Item("new-kettle", "Electric kettle 1.7 l steel"), Item("new-socks", "Wool hiking socks")])
    assert fresh.wait_idle(30)
    assert len(fresh) == 2
    query = encoder.encode_batch(["Electric kettle 1.5 l"])
    matches = fresh.best_matches(query, k=2, min_similarity=0.3)
    assert [m.item_id for m in matches][:1] == ["new-kettle"]
    assert all(m.similarity >= 0.3 for m in matches)
    # An edited item replaces its vector instead of adding a second one.
    edited = Item("new-kettle", "Glass kettle 1 l")
    fresh.submit([edited])
    assert fresh.wait_idle(30)
    assert len(fresh) == 2
    np.testing.assert_allclose(
        fresh.vector("new-kettle"), encoder.encode_batch([item_text(edited)])[0], atol=1e-6
    )
    fresh.close()


def test_a_new_arrival_gets_a_slot_with_a_true_reason(tmp_path: Path) -> None:
    """The next-item source inserts a new arrival similar to what the customer looked at, scored by
    its text similarity (not a neighbour's model score) and saying which item it matched."""
    from shelfwise.history import ItemIndex
    from shelfwise.service.pipeline import ListRequest
    from shelfwise.service.placements.next_item import FRESH_POSITION, NextItemSource
    from shelfwise.settings import Settings

    encoder = HashingEncoder(dim=64)
    catalog = {
        "kettle": Item("kettle", "Electric kettle 1.7 l steel"),
        "tea": Item("tea", "Green tea loose leaf"),
        "mug": Item("mug", "Ceramic mug"),
        "new-kettle": Item("new-kettle", "Electric kettle 1.5 l steel, new"),
    }
    known = ["kettle", "tea", "mug"]
    fresh = FreshItems(lambda: encoder, tmp_path / "cache", 64)
    fresh.submit([catalog["new-kettle"]])
    assert fresh.wait_idle(30)

    class _Served:  # just what the source reads of a served version
        version = "v0001"
        index = ItemIndex(known, np.ones(3, dtype=bool))
        embeddings = encoder.encode_batch([catalog[i].title for i in known])

    book = ProfileBook()
    book.apply([StoredEvent(1, Event(user_id="u", item_id="kettle", type="view", timestamp=1.0))])
    source = NextItemSource(_Served(), catalog, Settings(), fresh)  # type: ignore[arg-type]
    ranked = [ScoredItem("tea", 0.9), ScoredItem("mug", 0.8)]  # what the rules chose
    out = source._with_fresh(book.get("u"), ranked, ListRequest("recommendations", "home", 3, "u"))
    ids = [s.item_id for s in out]
    assert ids[FRESH_POSITION] == "new-kettle"
    new = out[FRESH_POSITION]
    similarity = float(encoder.encode_batch([item_text(catalog["new-kettle"])])[0] @ _Served.embeddings[0])
    assert new.score == round(similarity, 6)
    assert "Electric kettle 1.7 l steel" in new.reasons[0] and "looked at" in new.reasons[0]
    fresh.close()
