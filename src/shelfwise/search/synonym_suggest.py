"""Synonyms suggested from the search log, for the merchant to accept (never applied by themselves).

Two kinds of evidence, both from ordinary search-log events (``query`` set, ``session_id``):

* **reformulation**: in one session a query that led to nothing (no click, cart or purchase) is
  followed within ``REFORMULATION_SECONDS`` by a different query that did: "couch" → "sofa". Pairs
  that are spelling variants of each other (edit distance ≤ 2) or refinements (one contains the
  other's words) are left to spelling correction and ranking. Suggested one-way: ``couch => sofa``.
* **same purchases**: two queries sharing no word whose bought (or carted) items overlap (Jaccard
  ≥ ``MIN_OVERLAP`` with at least ``min_support`` shared items). Suggested two-way: ``couch, sofa``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations, pairwise

from shelfwise.domain import Event
from shelfwise.search.behaviour import GRADE, query_key
from shelfwise.search.lexicon import edit_distance

REFORMULATION_SECONDS = 300.0
MIN_OVERLAP = 0.3
MAX_WORDS = 4  # long queries are descriptions, not names of a thing


@dataclass(frozen=True)
class SynonymSuggestion:
    text: str  # as `shelfwise synonyms add` takes it
    two_way: bool
    support: int  # sessions (reformulation) or shared items (same purchases)
    evidence: str


def _related(a: str, b: str) -> bool:
    """Spelling variants or refinements: not synonym material."""
    words_a, words_b = set(a.split()), set(b.split())
    return edit_distance(a, b, 2) <= 2 or bool(words_a & words_b)


def _reformulations(events: list[Event]) -> Counter[tuple[str, str]]:
    sessions: dict[str, list[tuple[float, str]]] = defaultdict(list)
    engaged: set[tuple[str, str]] = set()
    for event in events:
        key = query_key(event.query or "")
        if not key:
            continue
        session = event.session_id or event.user_id
        sessions[session].append((event.timestamp, key))
        if GRADE.get(event.type, 0) > 0:
            engaged.add((session, key))
    pairs: Counter[tuple[str, str]] = Counter()
    for session, stream in sessions.items():
        first_seen: dict[str, float] = {}
        for at, key in sorted(stream):
            first_seen.setdefault(key, at)
        ordered = sorted(first_seen.items(), key=lambda kv: kv[1])
        for (before, t0), (after, t1) in pairwise(ordered):
            if (
                t1 - t0 <= REFORMULATION_SECONDS
                and (session, before) not in engaged
                and (session, after) in engaged
                and not _related(before, after)
                and len(before.split()) <= MAX_WORDS
                and len(after.split()) <= MAX_WORDS
            ):
                pairs[(before, after)] += 1
    return pairs


def _same_purchases(events: list[Event], min_support: int) -> list[tuple[str, str, int, float]]:
    bought: dict[str, set[str]] = defaultdict(set)
    for event in events:
        key = query_key(event.query or "")
        if (
            key
            and event.item_id
            and event.type in ("purchase", "add_to_cart")
            and len(key.split()) <= MAX_WORDS
        ):
            bought[key].add(event.item_id)
    by_item: dict[str, set[str]] = defaultdict(set)
    for key, items in bought.items():
        for item in items:
            by_item[item].add(key)
    candidates = {pair for queries in by_item.values() for pair in combinations(sorted(queries), 2)}
    out = []
    for a, b in candidates:
        shared = len(bought[a] & bought[b])
        overlap = shared / len(bought[a] | bought[b])
        if shared >= min_support and overlap >= MIN_OVERLAP and not _related(a, b):
            out.append((a, b, shared, overlap))
    return out


def suggest_synonyms(
    events: Iterable[Event], known: Iterable[set[str]] = (), min_support: int = 2
) -> list[SynonymSuggestion]:
    """Suggestions with at least ``min_support`` evidence, strongest first; pairs already covered
    by a synonym in ``known`` (sets of phrases of one rule) are skipped."""
    logged = [e for e in events if e.query]
    covered = [set(group) for group in known]

    def new(a: str, b: str) -> bool:
        return not any(a in group and b in group for group in covered)

    out = [
        SynonymSuggestion(f"{a} => {b}", False, n, f"{n} sessions searched “{a}”, found nothing, then “{b}”")
        for (a, b), n in _reformulations(logged).items()
        if n >= min_support and new(a, b)
    ]
    out += [
        SynonymSuggestion(
            f"{a}, {b}", True, shared, f"{shared} items bought after both (overlap {overlap:.0%})"
        )
        for a, b, shared, overlap in _same_purchases(logged, min_support)
        if new(a, b)
    ]
    return sorted(out, key=lambda s: (-s.support, s.text))
