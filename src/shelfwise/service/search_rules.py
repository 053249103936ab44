"""Use case: the merchant's synonyms and query rules (CLI ``synonyms`` / ``query-rules``, HTTP
``/v1/admin/synonyms`` and ``/v1/admin/query-rules``), and synonyms suggested from the search log.

Rules live in the store; every write appends a change-log row, so a running server's search picks
the change up on its next request (``SearchSource._follow_rules``, service/placements/search.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shelfwise.errors import NotFoundError, ValidationError
from shelfwise.search.behaviour import SEARCH_EVENT_TYPES
from shelfwise.search.rules import QueryRule, SynonymRule, parse_synonym
from shelfwise.search.synonym_suggest import SynonymSuggestion, suggest_synonyms
from shelfwise.service.context import ServiceContext

QUERY_RULE_KINDS = ("pin", "bury", "redirect")


@dataclass(frozen=True)
class SynonymEntry:
    rule_id: int
    rule: SynonymRule

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.rule_id, "synonym": self.rule.text, **self.rule.model_dump()}


@dataclass(frozen=True)
class QueryRuleEntry:
    rule_id: int
    rule: QueryRule

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.rule_id, "rule": self.rule.text, **self.rule.model_dump()}


class SearchRuleService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._store = ctx.store

    # ----------------------------------------------------------------- synonyms
    def add_synonym(self, text: str) -> SynonymEntry:
        rule = parse_synonym(text)
        return SynonymEntry(self._store.add_search_rule("synonym", rule.model_dump()), rule)

    def synonyms(self) -> list[SynonymEntry]:
        return [
            SynonymEntry(r.rule_id, SynonymRule.model_validate(r.body))
            for r in self._store.search_rules("synonym")
        ]

    def suggest_synonyms(self, min_support: int = 2) -> list[SynonymSuggestion]:
        known = [set(entry.rule.sources) | set(entry.rule.targets) for entry in self.synonyms()]
        events = (stored.event for stored in self._store.iter_events(types=SEARCH_EVENT_TYPES))
        return suggest_synonyms(events, known, min_support)

    # ----------------------------------------------------------------- query rules
    def add_query_rule(
        self,
        query: str,
        action: str,
        item_id: str | None = None,
        position: int = 1,
        url: str | None = None,
    ) -> QueryRuleEntry:
        if action not in QUERY_RULE_KINDS:
            raise ValidationError(f"unknown action {action!r}: pin, bury or redirect", field="action")
        try:
            rule = QueryRule(query=query, action=action, item_id=item_id, position=position, url=url)  # type: ignore[arg-type]
        except ValueError as exc:
            raise ValidationError(str(exc).splitlines()[-1], field="query_rule") from None
        rule.check()
        if rule.item_id and self._store.get_item(rule.item_id) is None:
            raise NotFoundError(f"no item {rule.item_id!r}")
        return QueryRuleEntry(self._store.add_search_rule(action, rule.model_dump()), rule)

    def query_rules(self) -> list[QueryRuleEntry]:
        return [
            QueryRuleEntry(r.rule_id, QueryRule.model_validate(r.body))
            for r in self._store.search_rules()
            if r.kind in QUERY_RULE_KINDS
        ]

    # ----------------------------------------------------------------- both
    def remove(self, rule_id: int, kinds: tuple[str, ...]) -> None:
        """Remove a rule of one of ``kinds`` (so `synonyms remove` cannot delete a pin by mistake)."""
        if not any(r.rule_id == rule_id and r.kind in kinds for r in self._store.search_rules()):
            raise NotFoundError(f"no {' / '.join(kinds)} rule {rule_id}")
        self._store.remove_search_rule(rule_id)
