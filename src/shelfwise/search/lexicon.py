"""What the catalog's own words tell query understanding: a spelling vocabulary, brands, colours,
categories.

Spelling correction is symmetric-delete (SymSpell): every catalog word is indexed under each of
its one-character deletions; a query word is looked up under its own deletions up to the allowed
distance, and candidates are verified with a true Damerau-Levenshtein distance. The closest
candidate wins, ties go to the more frequent word. Corrections only target words the catalog
uses, so "drillls" becomes "drills" but a word the shop sells is never "corrected".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from shelfwise.search.text import has_cjk, normalise, words

# English colour words and their Chinese names; grey/gray are one colour.
COLOURS: dict[str, str] = {
    "red": "red",
    "blue": "blue",
    "green": "green",
    "black": "black",
    "white": "white",
    "grey": "grey",
    "gray": "grey",
    "yellow": "yellow",
    "orange": "orange",
    "pink": "pink",
    "purple": "purple",
    "brown": "brown",
    "beige": "beige",
    "navy": "navy",
    "silver": "silver",
    "gold": "gold",
    "khaki": "khaki",
    "turquoise": "turquoise",
    "burgundy": "burgundy",
    "红色": "red",
    "红": "red",
    "蓝色": "blue",
    "蓝": "blue",
    "绿色": "green",
    "黑色": "black",
    "黑": "black",
    "白色": "white",
    "白": "white",
    "灰色": "grey",
    "黄色": "yellow",
    "橙色": "orange",
    "粉色": "pink",
    "粉红色": "pink",
    "紫色": "purple",
    "棕色": "brown",
    "金色": "gold",
    "银色": "silver",
    "米色": "beige",
}
MIN_CORRECTABLE = 4  # shorter words are too ambiguous to correct ("am" → "amp"? "in" → "tin"?)


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal-string-alignment distance (Damerau-Levenshtein with adjacent transpositions)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _index_word(by_delete: dict[str, set[str]], word: str) -> None:
    by_delete.setdefault(word, set()).add(word)
    for deleted in _deletes(word):
        by_delete.setdefault(deleted, set()).add(word)


@dataclass
class SpellingVocabulary:
    """Catalog words with document frequencies, indexed for fast correction."""

    frequency: Counter[str] = field(default_factory=Counter)
    # None: not built yet. A search snapshot leaves it out (``without_index``): rebuilt from
    # ``frequency`` by the first correction, which a query of catalog words never needs, instead
    # of unpickled by every process that loads the snapshot.
    _by_delete: dict[str, set[str]] | None = field(default_factory=dict, repr=False, compare=False)

    def add(self, text: str) -> None:
        by_delete = self._index()
        for word in set(words(normalise(text))):
            if word.isalpha() and not has_cjk(word):
                if word not in self.frequency and len(word) >= MIN_CORRECTABLE - 1:
                    _index_word(by_delete, word)
                self.frequency[word] += 1

    def _index(self) -> dict[str, set[str]]:
        if self._by_delete is None:
            by_delete: dict[str, set[str]] = {}
            for word in self.frequency:  # as ``add`` indexed them: the same sets
                if len(word) >= MIN_CORRECTABLE - 1:
                    _index_word(by_delete, word)
            self._by_delete = by_delete
        return self._by_delete

    def without_index(self) -> SpellingVocabulary:
        """The vocabulary to save: its frequencies only (the index is rebuilt when needed)."""
        return SpellingVocabulary(self.frequency, None)

    def __contains__(self, word: str) -> bool:
        return word in self.frequency

    def correct(self, word: str, loose: bool = False) -> str | None:
        """The catalog word closest to ``word`` (distance 1, or 2 for words of 6+ letters).
        ``loose`` (a query nothing matched): words of 3 letters at distance 1, 4+ at distance 2."""
        shortest = MIN_CORRECTABLE - 1 if loose else MIN_CORRECTABLE
        if word in self.frequency or len(word) < shortest or not word.isalpha():
            return None
        if word.removesuffix("s") in self.frequency or (
            f"{word}s" in self.frequency and not (loose and word.endswith("s"))
        ):
            return None  # a plural or singular of a catalog word: the stemmer already matches it
        # (loose: "cordles" is no singular of "cordless"; the default pass keeps its measured rule)
        limit = 1 if len(word) < (4 if loose else 6) else 2
        probes = {word} | _deletes(word)
        if limit == 2:
            probes |= {d2 for d1 in _deletes(word) for d2 in _deletes(d1)}
        candidates: set[str] = set()
        by_delete = self._index()
        for probe in probes:
            candidates |= by_delete.get(probe, set())
        best: tuple[int, int, str] | None = None
        for candidate in candidates:
            distance = edit_distance(word, candidate, limit)
            if distance <= limit:
                key = (distance, -self.frequency[candidate], candidate)
                if best is None or key < best:
                    best = key
        if best is not None:
            return best[2]
        return self._split(word)

    def _split(self, word: str) -> str | None:
        """A run-together pair of catalog words ("cordlessdrill" → "cordless drill")."""
        best: tuple[int, str] | None = None
        for cut in range(3, len(word) - 2):
            left, right = word[:cut], word[cut:]
            if left in self.frequency and right in self.frequency:
                score = min(self.frequency[left], self.frequency[right])
                if best is None or score > best[0]:
                    best = (score, f"{left} {right}")
        return None if best is None else best[1]


@dataclass
class Lexicon:
    """Brands, colours and category names that occur in the catalog (lower case)."""

    spelling: SpellingVocabulary = field(default_factory=SpellingVocabulary)
    brands: dict[str, str] = field(default_factory=dict)  # normalised → as written in the catalog
    categories: dict[str, str] = field(default_factory=dict)
    colours: set[str] = field(default_factory=set)  # canonical colours some item has

    def add_item(self, text: str, brand: str | None, category: Iterable[str], colours: Iterable[str]) -> None:
        self.spelling.add(text)
        if brand and brand.strip():
            self.brands.setdefault(normalise(brand.strip()), brand.strip())
        for level in category:
            if level and level.strip():
                self.categories.setdefault(normalise(level.strip()), level.strip())
        self.colours.update(colours)


def item_colours(title: str, attributes: dict[str, object]) -> set[str]:
    """Canonical colours of an item: colour attributes first, colour words of the title too."""
    found: set[str] = set()
    for key, value in attributes.items():
        if "colo" in key.lower() and value is not None:
            values = value if isinstance(value, list) else [value]
            for part in values:
                text = normalise(str(part))
                found |= {COLOURS[w] for w in words(text) if w in COLOURS}
                found |= {COLOURS[name] for name in COLOURS if has_cjk(name) and name in text}
    normalised = normalise(title)
    found |= {COLOURS[w] for w in words(normalised) if w in COLOURS}
    found |= {COLOURS[name] for name in COLOURS if has_cjk(name) and len(name) > 1 and name in normalised}
    return found
