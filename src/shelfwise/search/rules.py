"""Merchant-managed search rules: synonyms (query understanding) and pin / bury / redirect (after
ranking).

Synonyms are written as the merchant thinks of them:

* ``couch, sofa, settee``: two-way: a query with any of them also searches the others;
* ``tv => television, flat screen``: one-way: "tv" also searches the right side, not the reverse.

Phrases are normalised like queries and matched as whole words (CJK phrases as substrings). The
terms a synonym adds are searched at a lower BM25 weight than the words typed (``EXPANSION_BOOST``
in ``search.lexical``), so an item matching what the shopper wrote stays first.

Query rules name a query (matched after normalisation, exactly) and an action: ``pin`` an item at a
position, ``bury`` an item below the others, or ``redirect`` the shopper to a URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shelfwise.domain import ScoredItem
from shelfwise.errors import ValidationError
from shelfwise.search.behaviour import query_key
from shelfwise.search.query import ParsedQuery
from shelfwise.search.text import has_cjk, tokens

QueryAction = Literal["pin", "bury", "redirect"]
RULE_KINDS = ("synonym", "pin", "bury", "redirect")


class SynonymRule(BaseModel):
    """``sources`` each also search every term of ``targets`` (two-way: both lists are the group)."""

    model_config = ConfigDict(extra="forbid")
    sources: list[str] = Field(min_length=1)
    targets: list[str] = Field(min_length=1)
    two_way: bool

    @property
    def text(self) -> str:
        if self.two_way:
            return ", ".join(self.sources)
        return f"{', '.join(self.sources)} => {', '.join(self.targets)}"


class QueryRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=1)
    action: QueryAction
    item_id: str | None = None  # pin / bury
    position: int = Field(1, ge=1)  # pin: 1 = first
    url: str | None = None  # redirect

    @field_validator("query")
    @classmethod
    def _normalised(cls, value: str) -> str:
        key = query_key(value)
        if not key:
            raise ValueError("empty query")
        return key

    def check(self) -> QueryRule:
        if self.action in ("pin", "bury") and not self.item_id:
            raise ValidationError(f"a {self.action} rule needs an item id", field="item_id")
        if self.action == "redirect" and not (self.url and self.url.strip()):
            raise ValidationError("a redirect rule needs a URL", field="url")
        return self

    @property
    def text(self) -> str:
        if self.action == "redirect":
            return f"“{self.query}” → redirect {self.url}"
        where = f" at {self.position}" if self.action == "pin" else ""
        return f"“{self.query}” → {self.action} {self.item_id}{where}"


def parse_synonym(text: str) -> SynonymRule:
    """``"a, b, c"`` (two-way) or ``"a => b, c"`` (one-way) → a rule; malformed text raises."""
    left, arrow, right = text.partition("=>")

    def phrases(part: str) -> list[str]:
        return list(dict.fromkeys(p for p in (query_key(x) for x in re.split(r"[,，;；]", part)) if p))

    if arrow:
        sources, targets = phrases(left), phrases(right)
        if not sources or not targets:
            raise ValidationError(
                f"one-way synonym needs terms on both sides of '=>': {text!r}", field="synonym"
            )
        return SynonymRule(sources=sources, targets=targets, two_way=False)
    group = phrases(text)
    if len(group) < 2:
        raise ValidationError(
            f"a synonym needs at least two terms ('a, b' or 'a => b'): {text!r}", field="synonym"
        )
    return SynonymRule(sources=group, targets=group, two_way=True)


def _contains(text: str, phrase: str) -> bool:
    if has_cjk(phrase):
        return phrase in text
    return re.search(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", text) is not None


@dataclass(frozen=True)
class SearchRuleSet:
    """The rules in force, as query understanding and the result list use them."""

    synonyms: tuple[SynonymRule, ...] = ()
    query_rules: dict[str, tuple[QueryRule, ...]] = field(default_factory=dict)

    @classmethod
    def from_records(cls, records: Iterable[tuple[str, dict[str, Any]]]) -> SearchRuleSet:
        synonyms: list[SynonymRule] = []
        by_query: dict[str, list[QueryRule]] = {}
        for kind, body in records:
            if kind == "synonym":
                synonyms.append(SynonymRule.model_validate(body))
            elif kind in ("pin", "bury", "redirect"):
                rule = QueryRule.model_validate(body)
                by_query.setdefault(rule.query, []).append(rule)
        return cls(tuple(synonyms), {q: tuple(r) for q, r in by_query.items()})

    @property
    def empty(self) -> bool:
        return not self.synonyms and not self.query_rules

    def expand(self, query: ParsedQuery) -> ParsedQuery:
        """The query with the tokens its synonyms add (``expansions``) and what stood for what."""
        if not self.synonyms or not query.text.strip():
            return query
        added: dict[str, str] = {}  # target phrase → the source phrase the query contained
        for rule in self.synonyms:
            for source in rule.sources:
                if _contains(query.text, source):
                    for target in rule.targets:
                        if target != source and not _contains(query.text, target):
                            added.setdefault(target, source)
        if not added:
            return query
        typed = set(query.tokens)
        expansion = [t for phrase in added for t in tokens(phrase) if t not in typed]
        return replace(query, expansions=tuple(dict.fromkeys(expansion)), synonyms=added)

    def for_query(self, raw: str) -> tuple[QueryRule, ...]:
        return self.query_rules.get(query_key(raw), ())


@dataclass(frozen=True)
class RuledList:
    items: list[ScoredItem]
    redirect: str | None = None


PINNED_REASON = "promoted by the shop for this search"


def apply_query_rules(rules: Sequence[QueryRule], ranked: list[ScoredItem], k: int, exists: Any) -> RuledList:
    """Pins placed at their positions (an item not in the list is brought in when ``exists(item_id)``),
    buried items after all others, the first redirect returned alongside; trimmed to ``k``."""
    redirect = next((r.url for r in rules if r.action == "redirect"), None)
    pins = sorted((r for r in rules if r.action == "pin" and r.item_id), key=lambda r: r.position)
    buried = {r.item_id for r in rules if r.action == "bury"}
    pinned_ids = {r.item_id for r in pins}
    by_id = {s.item_id: s for s in ranked}
    rest = [s for s in ranked if s.item_id not in pinned_ids and s.item_id not in buried]
    rest += [s for s in ranked if s.item_id in buried and s.item_id not in pinned_ids]
    out = list(rest)
    for rule in pins:
        item_id = rule.item_id or ""
        if item_id not in by_id and not exists(item_id):
            continue
        base = by_id.get(item_id)
        score = out[min(rule.position, len(out)) - 1].score if out else 1.0
        reasons = (PINNED_REASON, *(base.reasons if base else ()))
        out.insert(min(rule.position - 1, len(out)), ScoredItem(item_id, score, reasons))
    return RuledList(out[:k], redirect)
