"""Evidence: why a candidate is among an anchor's complements or similar items, as facts that
``ranking/explain.py`` renders into reasons ("bought together with … by 12 customers", "fits Vexo Q9")."""

from __future__ import annotations

from dataclasses import dataclass

from shelfwise.complements.compat import ModelTie, tokenize
from shelfwise.complements.ties import Ties


@dataclass(frozen=True)
class Evidence:
    """One reason a candidate is there. ``kind``: together | after | transfer | category |
    model_name | model_described | compatible | brand | coview | similar_text | same_category."""

    kind: str
    anchor: int
    count: int = 0
    other: int | None = None  # the warm neighbour a cold anchor borrowed from
    text: str = ""  # a model phrase or a category name


_TIE_KIND = {"title": "model_name", "attribute": "compatible", "description": "model_described"}


def tie_evidence(anchor: int, anchor_title: str, ties: Ties, item: int) -> tuple[float, Evidence] | None:
    """The model or brand tie of ``item`` to the anchor, named as the anchor's text writes it."""
    tie = ties.exact.get(item)
    if isinstance(tie, ModelTie):
        return 2.5, Evidence(_TIE_KIND[tie.item.source], anchor, text=tie.anchor.text)
    if isinstance(tie, str):
        return 2.5, Evidence("compatible", anchor, text=_as_written(tie, anchor_title))
    brand = ties.brand.get(item)
    if brand is not None:
        return 2.2, Evidence("brand", anchor, text=_as_written(brand, anchor_title))
    return None


def _as_written(phrase: str, title: str) -> str:
    """A normalised phrase ("nimbus x12", "xiaomi") in the title's own spelling when it is there."""
    tokens = tokenize(title)
    wanted = phrase.split(" ")
    lowered = [t.text for t in tokens]
    for start in range(len(lowered) - len(wanted) + 1):
        if lowered[start : start + len(wanted)] == wanted:
            return title[tokens[start].start : tokens[start + len(wanted) - 1].end]
    return phrase.title() if phrase.isascii() else phrase


def strongest_first(per_item: list[list[tuple[float, Evidence]]]) -> list[list[Evidence]]:
    out = []
    for found in per_item:
        found.sort(key=lambda pair: -pair[0])
        out.append([evidence for _, evidence in found])
    return out
