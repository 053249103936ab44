"""Query suggestions: completions of what a shopper has typed so far.

Sources, each phrase normalised like a query:

* **successful past queries**: searches followed by a click, cart or purchase (grouped by session
  or user and query, as ``search.behaviour`` groups the log), weighted by how many searches
  succeeded (a purchase counts double);
* **catalog phrases**: runs of one to three words of the titles that at least ``MIN_TITLES``
  titles share ("cordless drill" is in hundreds of titles, mostly mid-title), brands, category
  names, and the Chinese runs of the titles; weighted by how many titles have them. Runs that start or end with a joining word ("x", "with", "for") are not phrases.

Matching is on the phrase's start: a sorted array of phrases and a parallel score array, so a
prefix is a ``bisect`` range and its best completions one ``argpartition``. Prefixes longer than
``TYPO_MIN_CHARS`` also match with one edit (deletion, insertion, substitution or transposition
after the first character) when the exact prefix leaves fewer than ``k``: an edit can only sit
at or before the point where the typed prefix stops matching anything, which keeps the variants
few; they come after every exact-prefix completion. Personalisation is light: the customer's own
past queries with that prefix come first, then completions in their categories get a boost.

New queries and items are added in place; new phrases wait in a small unsorted set (scanned by
every call) that is merged into the sorted arrays once it holds ``MERGE_EVERY`` phrases or a tenth
of the index.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from shelfwise.search.behaviour import query_key
from shelfwise.search.text import has_cjk, normalise, words

Source = Literal["query", "catalog", "yours"]
QUERY_WEIGHT = 1.0
CATALOG_WEIGHT = 0.5
TYPO_MIN_CHARS = 3  # a prefix longer than this tolerates one edit
TYPO_FACTOR = 0.6
CATEGORY_BOOST = 1.0  # × the customer's share of the completion's category
SHORTLIST = 50  # completions per prefix range re-ranked with the personal boost
MERGE_EVERY = 500
MAX_PHRASE_CHARS = 60
MIN_TITLES = 2  # a run of words only one title has is that title, not a phrase people search
PHRASE_WORDS = 3
_JOINERS = frozenset(
    ["x", "with", "for", "and", "of", "the", "to", "a", "in", "on", "by", "or", "&", "-", "w/"]
)
_NEXT_DEPTH = 4


@dataclass(frozen=True)
class Suggestion:
    text: str
    score: float
    source: Source


@dataclass
class _Phrase:
    query_weight: float = 0.0
    catalog_weight: float = 0.0
    categories: Counter[str] = field(default_factory=Counter)

    @property
    def score(self) -> float:
        return QUERY_WEIGHT * math.log1p(self.query_weight) + CATALOG_WEIGHT * math.log1p(self.catalog_weight)

    @property
    def category(self) -> str | None:
        return self.categories.most_common(1)[0][0] if self.categories else None


def title_phrases(title: str) -> list[str]:
    """Runs of 1–``PHRASE_WORDS`` words of a title (not starting or ending with a joining word)
    and its Chinese runs, normalised, each once."""
    tokens = words(normalise(title))
    out = []
    for start, first in enumerate(tokens):
        if first in _JOINERS:
            continue
        for end in range(start + 1, min(start + PHRASE_WORDS, len(tokens)) + 1):
            if tokens[end - 1] not in _JOINERS:
                out.append(" ".join(tokens[start:end]))
    return [p for p in dict.fromkeys(out) if len(p) <= MAX_PHRASE_CHARS]


class SuggestIndex:
    def __init__(self) -> None:
        self._phrases: dict[str, _Phrase] = {}
        self._sorted: list[str] = []
        self._scores = np.zeros(0, dtype=np.float32)
        self._position: dict[str, int] = {}
        self._pending: set[str] = set()
        self._user_queries: dict[str, Counter[str]] = {}
        self._user_categories: dict[str, Counter[str]] = {}
        self._next: dict[str, str] = {}  # head (≤ _NEXT_DEPTH chars) → the characters that follow it

    def __len__(self) -> int:
        return len(self._phrases)

    # ----------------------------------------------------------------- building
    def add_query(self, query: str, weight: float = 1.0, categories: Iterable[str] = ()) -> None:
        """A successful search of ``query`` (its engaged items' leaf ``categories``)."""
        key = query_key(query)
        if key and len(key) <= MAX_PHRASE_CHARS:
            phrase = self._phrase(key)
            phrase.query_weight += weight
            phrase.categories.update(c for c in categories if c)
            self._touch(key)

    def add_catalog_phrase(self, text: str, category: str | None = None, weight: float = 1.0) -> None:
        key = query_key(text)
        if key and len(key) <= MAX_PHRASE_CHARS:
            phrase = self._phrase(key)
            phrase.catalog_weight += weight
            if category:
                phrase.categories[category] += 1
            self._touch(key)

    def add_items(self, items: Iterable[tuple[str, str | None, Sequence[str]]]) -> None:
        """Catalog phrases of many (title, brand, category path) at once: runs of words shared by
        at least ``MIN_TITLES`` titles, brands and category names (counted first, then added)."""
        counts: Counter[str] = Counter()
        leaves: dict[str, Counter[str]] = {}
        named: set[str] = set()  # brands and category names: phrases however few items have them
        for title, brand, category in items:
            leaf = category[-1].strip() if category else ""
            phrases = title_phrases(title)
            counts.update(phrases)
            names = [query_key(n) for n in (brand or "", *category) if n and n.strip()]
            counts.update(names)
            named.update(names)
            if leaf:
                for phrase in phrases + names:
                    leaves.setdefault(phrase, Counter())[leaf] += 1
        for key, n in counts.items():
            if key and len(key) <= MAX_PHRASE_CHARS and (n >= MIN_TITLES or has_cjk(key) or key in named):
                phrase = self._phrase(key)
                phrase.catalog_weight += n
                if key in leaves:
                    phrase.categories.update(leaves[key])
        self._rebuild()

    def add_item(self, title: str, brand: str | None, category: Sequence[str]) -> None:
        """One new item: it strengthens phrases already known and adds its names (a run of words
        only this title has is not a phrase yet)."""
        leaf = category[-1].strip() if category else None
        for phrase in title_phrases(title):
            if phrase in self._phrases or has_cjk(phrase):
                self.add_catalog_phrase(phrase, leaf)
        self._add_names(brand, category, leaf)

    def _add_names(self, brand: str | None, category: Sequence[str], leaf: str | None) -> None:
        if brand and brand.strip():
            self.add_catalog_phrase(brand, leaf)
        for level in category:
            if level and level.strip():
                self.add_catalog_phrase(level, level.strip())

    def add_user_query(self, user: str, query: str) -> None:
        key = query_key(query)
        if key:
            self._user_queries.setdefault(user, Counter())[key] += 1

    def add_user_category(self, user: str, category: str) -> None:
        self._user_categories.setdefault(user, Counter())[category] += 1

    def merge(self) -> None:
        """Sort every phrase into the searchable arrays now (after a bulk build)."""
        self._rebuild()

    def _phrase(self, key: str) -> _Phrase:
        phrase = self._phrases.get(key)
        if phrase is None:
            phrase = self._phrases[key] = _Phrase()
        return phrase

    def _touch(self, key: str) -> None:
        position = self._position.get(key)
        if position is not None:
            self._scores[position] = self._phrases[key].score
            return
        self._pending.add(key)
        # Merged when the unsorted part reaches a tenth of the sorted one (at least MERGE_EVERY):
        # a bulk build sorts O(log n) times, a live index rarely.
        if len(self._pending) >= max(MERGE_EVERY, len(self._sorted) // 10):
            self._rebuild()

    def _rebuild(self) -> None:
        self._sorted = sorted(self._phrases)
        following: dict[str, set[str]] = {}
        for key in self._sorted:
            for depth in range(min(_NEXT_DEPTH, len(key) - 1) + 1):
                following.setdefault(key[:depth], set()).add(key[depth])
        self._next = {head: "".join(sorted(chars)) for head, chars in following.items()}
        self._position = {key: n for n, key in enumerate(self._sorted)}
        self._scores = np.fromiter(
            (self._phrases[k].score for k in self._sorted), np.float32, len(self._sorted)
        )
        self._pending.clear()

    # ----------------------------------------------------------------- completing
    def _range(self, prefix: str) -> tuple[int, int]:
        lo = bisect.bisect_left(self._sorted, prefix)
        return lo, bisect.bisect_left(self._sorted, prefix + "\U0010ffff", lo)

    def _best(self, prefix: str, limit: int) -> list[tuple[str, float]]:
        lo, hi = self._range(prefix)
        found: list[tuple[str, float]] = []
        if hi > lo:
            scores = self._scores[lo:hi]
            top = np.argpartition(-scores, limit - 1)[:limit] if hi - lo > limit else np.arange(hi - lo)
            found = [(self._sorted[lo + int(i)], float(scores[i])) for i in top]
        found += [(k, self._phrases[k].score) for k in self._pending if k.startswith(prefix)]
        return found

    def _live(self, prefix: str) -> bool:
        """Some merged phrase starts with ``prefix`` (pending phrases join typo matching once merged)."""
        lo = bisect.bisect_left(self._sorted, prefix)
        return lo < len(self._sorted) and self._sorted[lo].startswith(prefix)

    def _next_chars(self, head: str) -> str:
        """Characters that follow ``head`` in some phrase: precomputed for short heads, else one
        ``bisect`` per distinct character (skipping over each one's block of phrases)."""
        if len(head) <= _NEXT_DEPTH:
            return self._next.get(head, "")
        lo, hi = self._range(head)
        at = len(head)
        if lo < hi and len(self._sorted[lo]) == at:
            lo += 1  # the head itself is a phrase
        found = []
        while lo < hi:
            char = self._sorted[lo][at]
            found.append(char)
            lo = bisect.bisect_left(self._sorted, head + chr(ord(char) + 1), lo, hi)
        return "".join(found)

    def _variants(self, prefix: str) -> set[str]:
        """Prefixes one edit away (after the first character) that some phrase starts with."""
        depth = len(prefix)  # the edit sits at or before the first position that matches nothing
        while depth > 1 and not self._live(prefix[:depth]):
            depth -= 1
        out: set[str] = set()
        for j in range(1, min(depth + 1, len(prefix)) + 1):
            head, tail = prefix[:j], prefix[j:]
            candidates = [head + c + tail for c in self._next_chars(head)]  # insertion after j
            if j < len(prefix):
                candidates.append(head[:-1] + prefix[j] + prefix[j - 1] + prefix[j + 1 :])  # transposition
            if j >= 2:  # the first character is taken as typed
                candidates.append(prefix[: j - 1] + tail)  # deletion of prefix[j-1]
                candidates += [head[:-1] + c + tail for c in self._next_chars(head[:-1])]  # substitution
            out.update(v for v in candidates if v != prefix and v.strip() and self._live(v))
        return out

    def complete(self, text: str, k: int = 5, users: Sequence[str] = ()) -> list[Suggestion]:
        """The best ``k`` completions of ``text``; ``users``: the customer's accounts (personalised).
        Order: the customer's own past queries, then exact-prefix completions, then one-typo ones."""
        prefix = query_key(text) + (" " if text.endswith(" ") and text.strip() else "")
        if not prefix.strip() or k < 1:
            return []
        own: Counter[str] = Counter()
        shares: Counter[str] = Counter()
        for user in users:
            own.update({q: n for q, n in self._user_queries.get(user, {}).items() if q.startswith(prefix)})
            shares.update(self._user_categories.get(user, {}))
        out = [Suggestion(q, float(n), "yours") for q, n in own.most_common(k)]
        taken = {s.text for s in out}
        exact = {key: score for key, score in self._best(prefix, SHORTLIST) if key not in taken}
        out += self._ranked(exact, shares)
        if len(out) < k and len(prefix) > TYPO_MIN_CHARS and not has_cjk(prefix):
            taken |= set(exact)
            typo: dict[str, float] = {}
            for variant in self._variants(prefix):
                for key, score in self._best(variant, SHORTLIST):
                    if key not in taken:
                        typo[key] = TYPO_FACTOR * score
            out += self._ranked(typo, shares)
        return out[:k]

    def _ranked(self, scored: dict[str, float], shares: Counter[str]) -> list[Suggestion]:
        """Best first, each lifted by the customer's share of its category."""
        total = sum(shares.values())
        ranked = []
        for key, score in scored.items():
            phrase = self._phrases[key]
            category = phrase.category
            if total and category:
                score += CATEGORY_BOOST * shares.get(category, 0) / total
            ranked.append(Suggestion(key, round(score, 4), "query" if phrase.query_weight else "catalog"))
        return sorted(ranked, key=lambda s: (-s.score, s.text))
