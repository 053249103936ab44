"""``shelfwise synonyms add|list|remove|suggest`` and ``shelfwise query-rules add|list|remove``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from shelfwise.cli.common import context

if TYPE_CHECKING:
    from shelfwise.service.search_rules import SearchRuleService

synonyms_app = typer.Typer(
    help="Merchant synonyms: 'a, b, c' (two-way) or 'a => b, c' (one-way).", no_args_is_help=True
)
query_rules_app = typer.Typer(help="Per-query rules: pin or bury an item, or redirect.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _service() -> SearchRuleService:
    from shelfwise.service.search_rules import SearchRuleService  # the command's own import

    return SearchRuleService(context())


@synonyms_app.command("add")
def add_synonym(
    text: Annotated[str, typer.Argument(help="'couch, sofa' (two-way) or 'tv => television' (one-way).")],
) -> None:
    """Add a synonym; a running server applies it to its next search."""
    entry = _service().add_synonym(text)
    kind = "two-way" if entry.rule.two_way else "one-way"
    typer.echo(f"added synonym {entry.rule_id} ({kind}): {entry.rule.text}")


@synonyms_app.command("list")
def list_synonyms(json_output: JsonFlag = False) -> None:
    """The synonyms in force."""
    entries = _service().synonyms()
    if json_output:
        typer.echo(json.dumps([e.as_dict() for e in entries], ensure_ascii=False))
        return
    if not entries:
        typer.echo("no synonyms; add one with `shelfwise synonyms add 'couch, sofa'`")
    for e in entries:
        typer.echo(f"{e.rule_id:>5}  {'two-way' if e.rule.two_way else 'one-way'}  {e.rule.text}")


@synonyms_app.command("remove")
def remove_synonym(rule_id: Annotated[int, typer.Argument(help="The id shown by `synonyms list`.")]) -> None:
    """Remove a synonym."""
    _service().remove(rule_id, ("synonym",))
    typer.echo(f"removed synonym {rule_id}")


@synonyms_app.command("suggest")
def suggest(
    min_support: Annotated[int, typer.Option(min=1, help="Sessions or shared items needed.")] = 2,
    json_output: JsonFlag = False,
) -> None:
    """Synonyms the search log suggests (reformulations, queries leading to the same purchases)."""
    found = _service().suggest_synonyms(min_support)
    if json_output:
        typer.echo(json.dumps([s.__dict__ for s in found], ensure_ascii=False))
        return
    if not found:
        typer.echo("no suggestions: the search log shows no reformulations or shared purchases yet")
    for s in found:
        typer.echo(f"{s.text}\n    {s.evidence}\n    accept: shelfwise synonyms add '{s.text}'")


@query_rules_app.command("add")
def add_rule(
    query: Annotated[str, typer.Argument(help="The query the rule applies to (matched normalised).")],
    pin: Annotated[str | None, typer.Option(help="Item id to show at --position.")] = None,
    position: Annotated[int, typer.Option(min=1, help="Pin position (1 = first).")] = 1,
    bury: Annotated[str | None, typer.Option(help="Item id to show after all others.")] = None,
    redirect: Annotated[str | None, typer.Option(help="URL the shop sends this query to.")] = None,
) -> None:
    """Add one rule: exactly one of --pin, --bury, --redirect."""
    chosen = [(a, v) for a, v in (("pin", pin), ("bury", bury), ("redirect", redirect)) if v]
    if len(chosen) != 1:
        raise typer.BadParameter("give exactly one of --pin, --bury, --redirect")
    action, value = chosen[0]
    entry = _service().add_query_rule(
        query,
        action,
        item_id=value if action != "redirect" else None,
        position=position,
        url=value if action == "redirect" else None,
    )
    typer.echo(f"added query rule {entry.rule_id}: {entry.rule.text}")


@query_rules_app.command("list")
def list_rules(json_output: JsonFlag = False) -> None:
    """The query rules in force."""
    entries = _service().query_rules()
    if json_output:
        typer.echo(json.dumps([e.as_dict() for e in entries], ensure_ascii=False))
        return
    if not entries:
        typer.echo("no query rules; add one with `shelfwise query-rules add QUERY --pin ITEM`")
    for e in entries:
        typer.echo(f"{e.rule_id:>5}  {e.rule.text}")


@query_rules_app.command("remove")
def remove_rule(rule_id: Annotated[int, typer.Argument(help="The id shown by `query-rules list`.")]) -> None:
    """Remove a query rule."""
    _service().remove(rule_id, ("pin", "bury", "redirect"))
    typer.echo(f"removed query rule {rule_id}")
