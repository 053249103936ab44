"""What items newer than the model cost: ``FreshComplements`` on the Amazon Beauty catalog.

The complement model is fitted exactly as ``complements_beauty.py`` fits it (12,101 items, MiniLM
title vectors, 50 title clusters as categories). Then N items are added as new (copies of random
catalog items under new ids, with their vectors, as the server's new-item encoder would deliver
them) and we time, single thread, in the same run:

* ``add_many`` of the N new items (one snapshot),
* complement scores of 1,000 catalog anchors: the model alone (the baseline) and with the new items
  (every candidate, the new ones included, is scored),
* complement scores of 100 new items as anchors.

    .venv/bin/python benchmarks/complements_fresh.py [--new 100,1000,5000]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from complements_beauty import kmeans, load_sequences, load_titles, purchase_events, title_embeddings
from shelfwise.complements import FreshComplements, build_complement_model
from shelfwise.domain import Item
from shelfwise.evaluation.sequences import leave_last_two_out
from shelfwise.history import ItemIndex


def per_call_ms(call: Callable[[list[int]], np.ndarray], arguments: list[int]) -> float:
    started = time.perf_counter()
    for argument in arguments:
        call([argument])
    return (time.perf_counter() - started) / len(arguments) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--new", default="100,1000,5000", help="numbers of new items, comma-separated")
    args = parser.parse_args()
    sequences, n_items = load_sequences()
    train = leave_last_two_out(sequences).train_plus_valid
    titles = load_titles(n_items)
    embeddings = title_embeddings(titles)
    clusters = kmeans(embeddings, 50, 0)
    items = [
        Item(str(i + 1), titles[i] or f"item {i + 1}", category=(f"c{clusters[i]:02d}",))
        for i in range(n_items)
    ]
    index = ItemIndex([item.item_id for item in items], np.ones(n_items, dtype=bool))
    model = build_complement_model(items, index, purchase_events(train), {}, embeddings)
    anchors = [int(s[-1]) for s in train[:1000]]
    for anchor in anchors:  # first calls fill the tie cache; time the steady state
        model.complement_scores([anchor])
    alone = per_call_ms(model.complement_scores, anchors)
    print(f"Beauty: {n_items} catalog items; model alone {alone:.2f} ms per catalog anchor")
    print(f"{'new items':>9} {'add_many s':>10} {'catalog anchor ms':>18} {'ratio':>6} {'new anchor ms':>14}")
    rng = np.random.default_rng(0)
    for count in (int(part) for part in args.new.split(",")):
        fresh = FreshComplements(model)
        picked = rng.choice(n_items, size=count, replace=False)
        new = [Item(f"new-{k}", items[j].title, category=items[j].category) for k, j in enumerate(picked)]
        started = time.perf_counter()
        fresh.add_many(new, embeddings[picked])
        added = time.perf_counter() - started
        with_new = per_call_ms(fresh.complement_scores, anchors)
        new_anchors = per_call_ms(fresh.complement_scores, [n_items + k for k in range(min(count, 100))])
        print(f"{count:>9} {added:>10.2f} {with_new:>18.2f} {with_new / alone:>6.2f} {new_anchors:>14.2f}")


if __name__ == "__main__":
    main()
