"""The complement model's parts on tiny inputs whose answers are known."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from shelfwise.complements import ComplementModel, build_complement_model
from shelfwise.complements.baskets import BasketOptions, count_pairs
from shelfwise.complements.categories import infer_labels
from shelfwise.complements.compat import ModelNames
from shelfwise.complements.textmatch import build_compatibility
from shelfwise.domain import Event, Item
from shelfwise.encoders import HashingEncoder
from shelfwise.history import build_item_index

DAY = 86400.0
POSITION = {"phone": 0, "case": 1, "socks": 2, "other_phone": 3}


def _buy(user: str, item: str, t: float, session: str | None = None, store: str | None = None) -> Event:
    return Event(
        user,
        "purchase",
        t,
        item_id=item,
        session_id=session,
        store_id=store,
        channel="store" if store else "web",
    )


def test_same_basket_is_together_and_the_earlier_item_is_the_anchor() -> None:
    events = [_buy("u1", "phone", 0, store="s1"), _buy("u1", "case", 60, store="s1")]
    counts = count_pairs(events, POSITION, {}, 4, BasketOptions(reverse_weight=0.5))
    assert counts.together[0, 1] == 1 and counts.together[1, 0] == 1
    assert counts.weight[0, 1] == 1.0 and counts.weight[1, 0] == 0.5


def test_follow_up_within_the_window_only_and_across_channels() -> None:
    events = [
        _buy("u1", "phone", 0, store="s1"),  # in store ...
        _buy("u1", "case", 3 * DAY, session="web-1"),  # ... the case online three days later
        _buy("u1", "socks", 40 * DAY, session="web-2"),  # too late to be a follow-up
    ]
    counts = count_pairs(events, POSITION, {}, 4, BasketOptions(window_days=14, follow_weight=0.7))
    assert counts.after[0, 1] == 1 and counts.after[1, 0] == 0
    assert counts.weight[0, 1] == np.float32(0.7) and counts.weight[1, 0] == 0
    assert counts.after[0, 2] == 0 and counts.after[1, 2] == 0


def test_a_customer_counts_once_per_pair_and_accounts_merge_into_customers() -> None:
    events = []
    for n in range(5):  # one customer buying the pair five times...
        events += [
            _buy("web-ann", "phone", n * 30 * DAY, session=f"a{n}"),
            _buy("store-ann", "case", n * 30 * DAY + 60, store="s"),
        ]
    events += [
        _buy("bob", "phone", 0, session="b"),
        _buy("bob", "case", 60, session="b"),
    ]  # ... and one other
    counts = count_pairs(events, POSITION, {"web-ann": "ann", "store-ann": "ann"}, 4)
    assert counts.after[0, 1] == 1 and counts.together[0, 1] == 1  # ann: follow-ups, bob: together
    assert counts.buyers[0] == 2 and counts.buyers[1] == 2


def test_viewed_together_but_not_bought_together_is_a_substitute() -> None:
    events = [
        Event("u1", "view", 0, item_id="phone", session_id="s"),
        Event("u1", "view", 10, item_id="other_phone", session_id="s"),
        _buy("u1", "phone", 20, session="s"),
    ]
    counts = count_pairs(events, POSITION, {}, 4)
    assert counts.coview[0, 3] == 1 and counts.coview[3, 0] == 1
    assert counts.together[0, 3] == 0


def test_missing_categories_are_inferred_from_the_nearest_categorised_texts() -> None:
    titles = ["Case for Nimbus X12, Slim", "Case for Orbita One, Leather", "Nimbus X12 Smartphone", "Orbita One Smartphone",
              "Case for Kestrel K9, Slim"]  # fmt: skip
    paths = ["Phones > Cases", "Phones > Cases", "Phones > Smartphones", "Phones > Smartphones", None]
    vectors = HashingEncoder().encode_batch(titles)
    labels = infer_labels(paths, vectors, np.ones(5, dtype=bool), neighbours=2)
    assert labels.names[labels.of_item[4]] == "Phones > Cases" and labels.inferred.tolist() == [False] * 4 + [
        True
    ]


def test_without_any_category_items_are_clustered_by_text() -> None:
    titles = ["red apple fruit", "green apple fruit", "steel hammer tool", "iron hammer tool"]
    labels = infer_labels([None] * 4, HashingEncoder().encode_batch(titles), np.ones(4, dtype=bool))
    assert all(name.startswith("cluster") for name in labels.names) and labels.inferred.all()


def test_compatibility_keeps_only_the_longest_model_named() -> None:
    titles = [
        "Nimbus X12 Smartphone",
        "Nimbus X12 Pro Smartphone",
        "Case for Nimbus X12",
        "Case for Nimbus X12 Pro",
    ]
    attributes = [{}, {}, {"compatible_with": ["Nimbus X12"]}, {"compatible_with": ["Nimbus X12 Pro"]}]
    fits, names, phrases = build_compatibility(titles, attributes)
    assert phrases == ["nimbus x12", "nimbus x12 pro"]
    fitting = (fits @ names.T).toarray() > 0  # fitting[b, a]: b fits anchor a
    assert fitting[2, 0] and not fitting[2, 1]  # the X12 case fits the X12, not the X12 Pro
    assert fitting[3, 1] and not fitting[3, 0]


def test_a_model_number_is_read_beside_its_brand_or_line_not_as_a_size() -> None:
    names = ModelNames.from_brands(["Nimbus"])
    assert [m.text for m in names.of_item("Case for Nimbus X15, Slim", None, {}, "Shellcraft").mentions] == [
        "Nimbus X15"
    ]
    assert not names.of_item("Felted Sleeve for 13 in laptops", None, {}, None).mentions  # a size
    assert not names.of_item("Bluetooth 5.3 Earbuds, 3-Pack", None, {}, None).mentions


def _tiny_shop() -> tuple[list[Item], list[Event]]:
    items = [
        Item("phone", "Nimbus X12 Smartphone", category=("Phones",)),
        Item("phone2", "Orbita O7 Smartphone", category=("Phones",)),
        Item("case", "Case for Nimbus X12", category=("Cases",)),
        Item("case2", "Case for Orbita O7", category=("Cases",)),
        Item("newphone", "Nimbus X15 Smartphone"),  # no category, no history
        Item("newcase", "Case for Nimbus X15"),
    ]
    events = []
    for n in range(20):
        phone, case = ("phone", "case") if n % 2 else ("phone2", "case2")
        events += [
            _buy(f"u{n}", phone, n * 100.0, session=f"s{n}"),
            _buy(f"u{n}", case, n * 100.0 + 5, session=f"s{n}"),
        ]
    return items, events


def test_model_end_to_end_on_a_tiny_shop_and_round_trip(tmp_path: Path) -> None:
    items, events = _tiny_shop()
    index = build_item_index(items, events)
    vectors = HashingEncoder().encode_batch([i.title for i in items])
    model = build_complement_model(items, index, events, {}, vectors)
    pos = {item_id: n for n, item_id in enumerate(index.item_ids)}

    scores = model.complement_scores([pos["phone"]])
    assert int(np.argmax(scores)) == pos["case"]
    assert scores[pos["phone"]] == -np.inf
    # Direction: phone → case beats case → phone.
    assert scores[pos["case"]] > model.complement_scores([pos["case"]])[pos["phone"]]
    # A new phone: category inferred from text, complement found through the model code in the titles.
    assert model.category_names[model.category_of[pos["newphone"]]] == "Phones"
    cold = model.complement_scores([pos["newphone"]])
    assert int(np.argmax(cold)) == pos["newcase"]
    kinds = [e.kind for e in model.complement_evidence([pos["newphone"]], [pos["newcase"]])[0]]
    assert "model_name" in kinds

    model.save(tmp_path / "complements")
    again = ComplementModel.load(tmp_path / "complements", vectors)
    assert np.allclose(again.complement_scores([pos["phone"]]), scores)
    assert np.allclose(again.similar_scores(pos["phone"]), model.similar_scores(pos["phone"]))
