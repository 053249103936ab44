"""Human-readable reasons from the evidence a model gives for each recommended item."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from shelfwise.complements.categories import leaf as category_leaf
from shelfwise.complements.evidence import Evidence as ItemEvidence
from shelfwise.domain import Item, ScoredItem
from shelfwise.history import CustomerHistory, ItemIndex
from shelfwise.retrieval.base import Evidence

_CHANNEL_PHRASE = {"store": " in store", "app": " in the app", "web": " online", "social": " on social"}


@runtime_checkable
class Explainer(Protocol):
    def explain(self, history: np.ndarray, item: int) -> list[Evidence]: ...


def _title(index: ItemIndex, items: Mapping[str, Item], position: int) -> str:
    item_id = index.item_ids[position]
    item = items.get(item_id)
    title = item.title if item else item_id
    return title if len(title) <= 60 else title[:57] + "..."


def _how(history: CustomerHistory, position: int) -> tuple[str, str]:
    """("bought" or "viewed", where: " in store", " online", ...)."""
    verb = "bought" if position in history.purchased else "viewed"
    channel = None
    for item, ch in zip(reversed(history.items), reversed(history.channels), strict=True):
        if item == position:
            channel = ch
            break
    return verb, _CHANNEL_PHRASE.get(channel or "", "")


def render(
    evidence: Evidence, index: ItemIndex, items: Mapping[str, Item], history: CustomerHistory | None
) -> str | None:
    """One sentence that is true of the data, or None when the evidence states no fact."""
    anchor = evidence.history_item
    if anchor is not None and history is not None:
        title = _title(index, items, anchor)
        verb, where = _how(history, anchor)
        if evidence.source == "similar_text":
            return f"similar to “{title}”, which you {verb}{where}"
        if evidence.count:
            return f"because you {verb} “{title}”{where}: {_customers(evidence.count)} chose it soon after"
        return f"because you {verb} “{title}”{where}: chosen soon after it by other shoppers"
    if evidence.source == "trending" and evidence.count:
        return f"trending: number {evidence.count} among items shoppers engaged with lately"
    if evidence.source == "popular" and evidence.count:
        return f"a best seller: number {evidence.count} by engagement"
    return None


def scored_items(
    model: object,
    index: ItemIndex,
    history: CustomerHistory | None,
    top: Sequence[int],
    scores: np.ndarray,
    items: Mapping[str, Item],
) -> list[ScoredItem]:
    """Each item with up to two reasons from the model's evidence; none when the model gave none
    (a generic phrase would claim something the data does not say)."""
    sequence = np.asarray(history.items if history else [], dtype=np.int32)
    positions = [int(p) for p in top]
    explain_many = getattr(model, "explain_many", None)  # one pass for every item, when offered
    if explain_many is not None:
        found: list[list[Evidence]] = explain_many(sequence, positions)
    elif isinstance(model, Explainer):  # a runtime Protocol check is slow: once, not per item
        found = [model.explain(sequence, p) for p in positions]
    else:
        found = [[] for _ in positions]
    out = []
    for position, evidences in zip(positions, found, strict=True):
        reasons: list[str] = []
        for evidence in evidences[:2]:
            text = render(evidence, index, items, history)
            if text is not None and text not in reasons:
                reasons.append(text)
        out.append(
            ScoredItem(index.item_ids[int(position)], round(float(scores[int(position)]), 6), tuple(reasons))
        )
    return out


# -- complementary and similar items ------------------------------------------------------------


def _customers(count: int) -> str:
    return f"{count} customer{'s' if count != 1 else ''}"


def _short(title: str) -> str:
    return title if len(title) <= 60 else title[:57] + "..."


def render_item_evidence(evidence: ItemEvidence, title_of: Callable[[int], str]) -> str:
    """One reason for a complementary or similar item, from the complement model's evidence."""
    anchor = _short(title_of(evidence.anchor))
    kind = evidence.kind
    if kind == "together":
        return f"bought together with “{anchor}” by {_customers(evidence.count)}"
    if kind == "after":
        return f"bought after “{anchor}” by {_customers(evidence.count)}"
    if kind == "transfer" and evidence.other is not None:
        return f"bought with similar items such as “{_short(title_of(evidence.other))}”"
    if kind == "compatible":
        return f"fits {evidence.text or anchor} (listed as compatible)"
    if kind == "model_name":
        return f"fits {evidence.text} (same model in the title)"
    if kind == "model_described":
        return f"fits {evidence.text} (named in its description)"
    if kind == "brand":
        return f"made for {evidence.text} (brand named in its title)"
    if kind == "category":
        source, _, target = evidence.text.partition("|")
        return f"{category_leaf(target)} often go with {category_leaf(source)}"
    if kind == "coview":
        return f"viewed as an alternative to “{anchor}” by {_customers(evidence.count).replace('customer', 'shopper')}"
    if kind == "same_category":
        return f"same kind of item as “{anchor}” ({category_leaf(evidence.text)})"
    if kind == "similar_text":
        return f"similar description to “{anchor}”"
    return f"related to “{anchor}”"


def item_reasons(
    evidence: Sequence[ItemEvidence], title_of: Callable[[int], str], limit: int = 2
) -> tuple[str, ...]:
    reasons: list[str] = []
    for found in evidence:
        text = render_item_evidence(found, title_of)
        if text not in reasons:
            reasons.append(text)
        if len(reasons) == limit:
            break
    return tuple(reasons)
