"""Tiny click logs with known answers: each item has a true attractiveness, each slot a true
examination probability, and a shopper clicks when the slot is examined and the item attracts."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from shelfwise.ctr import ClickExample, ClickLog, ItemSpace
from shelfwise.domain import Item

Policy = Callable[[np.random.Generator], Sequence[str]]  # the items of one list, top first


def catalog(item_ids: Sequence[str]) -> dict[str, Item]:
    return {i: Item(i, f"Item {i}", category=("Things",), price=10.0) for i in item_ids}


def space(item_ids: Sequence[str], seed: int = 0) -> ItemSpace:
    vectors = np.random.default_rng(seed).normal(size=(len(item_ids), 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return ItemSpace.build(catalog(item_ids), list(item_ids), vectors)


def click_log(
    attract: dict[str, float],
    examine: Sequence[float],
    policy: Policy,
    lists: int,
    seed: int = 0,
    start: float = 0.0,
    placement: str = "home",
) -> list[ClickExample]:
    rng = np.random.default_rng(seed)
    examples = []
    for n in range(lists):
        when = start + n * 60.0
        for position, item in enumerate(policy(rng)):
            clicked = rng.random() < examine[position] * attract[item]
            examples.append(
                ClickExample(
                    timestamp=when,
                    customer=f"c{n % 50}",
                    item_id=item,
                    position=position,
                    placement=placement,
                    request_id=f"r{seed}-{n}",
                    clicked_at=when + 5 if clicked else None,
                )
            )
    return examples


def log_of(examples: list[ClickExample], item_ids: Sequence[str]) -> ClickLog:
    return ClickLog(examples, [], space(item_ids))
