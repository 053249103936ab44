"""No dead ends: what a query had to give up to find items, step by step, in the answer.

The ladder, each step taken only when the one before leaves no exact match:

1. **spelling**: words the catalog does not use are corrected (the parse already fixes one edit,
   or two for long words; when no item matches any word at all, a looser pass also fixes 3-letter
   words and two edits in 4–5-letter ones);
2. **dropped words**: when no candidate contains every informative word of the query, the least
   informative words are dropped until one does: first words no candidate has (they cannot tell
   items apart in this catalog), then the most common ones;
3. **semantic neighbours**: when no item matches any word, the results are what is closest in
   meaning or spelling (the embedding and character n-gram retrievers), and the answer says so.

Hard filters (price) are never relaxed; brand and colour intents are (see ``engine._filters``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from shelfwise.search.lexicon import COLOURS, Lexicon
from shelfwise.search.query import ParsedQuery, parse_query
from shelfwise.search.text import UNIT_ALIASES, display_words, has_cjk, tokens

# Words that carry no product information on their own: never a reason to say "dropped".
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "for",
        "of",
        "with",
        "in",
        "on",
        "to",
        "by",
        "or",
        "from",
        "at",
        "as",
        "is",
        "it",
        "this",
        "that",
        "my",
        "your",
        "our",
    ]
)


@dataclass(frozen=True)
class RelaxStep:
    step: str  # spelling | dropped | semantic | brand | colour
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.step, "detail": self.detail}

    def __str__(self) -> str:
        return f"{self.step}: {self.detail}"


def spelling_step(corrections: dict[str, str]) -> RelaxStep:
    return RelaxStep("spelling", ", ".join(f"'{wrong}' → '{right}'" for wrong, right in corrections.items()))


def loosely_corrected(
    query: ParsedQuery, lexicon: Lexicon, only: set[str] | None = None
) -> ParsedQuery | None:
    """The query with a looser spelling pass (over the words in ``only`` when given: the words
    nothing matched), or None when it changes nothing."""
    fixes: dict[str, str] = {}
    for word in dict.fromkeys(re.findall(r"[a-z]+", query.text)):
        if only is not None and word not in only:
            continue
        fixed = lexicon.spelling.correct(word, loose=True)
        if fixed is not None and fixed != word:
            fixes[word] = fixed
    if not fixes:
        return None
    text = query.text
    for wrong, right in fixes.items():
        text = re.sub(rf"(?<![a-z0-9]){re.escape(wrong)}(?![a-z0-9])", right, text)
    reparsed = parse_query(text, lexicon)
    return replace(
        reparsed,
        raw=query.raw,
        original_text=query.original_text,
        price=query.price,
        corrections={**query.corrections, **fixes, **reparsed.corrections},
    )


def informative_words(query: ParsedQuery) -> list[str]:
    """Words of the query that name something: no stop words, bare numbers or unit names, and no
    parsed colour (items match it through their colour attributes, which the colour filter checks)."""
    return [
        w
        for w in display_words(query.text)
        if w not in STOPWORDS
        and w not in UNIT_ALIASES
        and not re.fullmatch(r"[\d./]+", w)
        and COLOURS.get(w) not in query.colours
    ]


def word_terms(lexical: Any, word: str) -> set[str]:
    """The index terms that stand for one query word (a CJK word: its sub-words and bigrams)."""
    return set(lexical.word_terms(tokens(word) if has_cjk(word) else [word]))


def dropped_words(index: Any, query: ParsedQuery, rows: np.ndarray) -> list[str]:
    """The fewest least-informative words to drop before some candidate contains all the rest;
    every word when no candidate matches any word."""
    words = informative_words(query)
    if not words or not len(rows):
        return []
    facts = [index.rows[r].terms for r in rows.tolist()]
    matched: dict[str, set[int]] = {}
    for w in words:
        wanted = word_terms(index.lexical, w)
        for target, source in query.synonyms.items():  # a merchant synonym of the word counts as it
            if w in source.split() or (has_cjk(w) and w in source):
                wanted |= set(index.lexical.word_terms(tokens(target)))
        matched[w] = {n for n, terms in enumerate(facts) if wanted & terms}
    # Least informative first: words no candidate has, then the ones most candidates share.
    order = sorted(words, key=lambda w: (bool(matched[w]), -len(matched[w])))
    dropped: list[str] = []
    remaining = list(words)
    while remaining:
        common = set.intersection(*(matched[w] for w in remaining))
        if common:
            return dropped
        worst = next(w for w in order if w in remaining)
        remaining.remove(worst)
        dropped.append(worst)
    return dropped
