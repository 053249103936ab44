"""Query understanding: messy text → a structured query.

Price constraints ("under $50", "<50元", "200元以内", "between 20 and 40", "$20-$40") are cut out of
the text and become hard filters; brands, colours and category names the catalog knows become
explicit intents (brand and colour filter, category lifts its items to a higher tier); misspelt
words are corrected against the catalog's vocabulary; sizes and units are canonicalised.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from shelfwise.search.lexicon import COLOURS, Lexicon, edit_distance
from shelfwise.search.text import has_cjk, normalise, tokens, unit_tokens, words

_MONEY = (
    r"(?:\$|usd|us\$|¥|￥|rmb|€|£)?\s*(\d+(?:[.,]\d+)?)\s*(?:\$|dollars?|bucks|usd|元|块钱?|rmb|euros?|€|£)?"
)
_CURRENCY_MARK = re.compile(r"\$|dollar|buck|usd|元|块|rmb|¥|￥|€|euro|£")
# (pattern, kind): kind is "max", "min" or "range". Order matters: ranges first.
_PRICE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"\bbetween\s+{_MONEY}\s+and\s+{_MONEY}"), "range"),
    (re.compile(rf"{_MONEY}\s*(?:-|–|~|to|到|至)\s*{_MONEY}(?=\s|$)"), "range"),
    (
        re.compile(
            rf"(?:\bunder|\bbelow|\bless than|\bcheaper than|\bup to|\bat most|\bmax(?:imum)?|<=?|≤|不超过|低于|少于|小于|最多){{1}}\s*{_MONEY}"
        ),
        "max",
    ),
    (re.compile(rf"{_MONEY}\s*(?:以内|以下|之内|内)"), "max"),
    (
        re.compile(
            rf"(?:\bover|\babove|\bmore than|\bat least|\bmin(?:imum)?|>=?|≥|超过|高于|大于|至少){{1}}\s*{_MONEY}"
        ),
        "min",
    ),
    (re.compile(rf"{_MONEY}\s*(?:以上|起)"), "min"),
]


@dataclass(frozen=True)
class PriceRange:
    low: float | None = None
    high: float | None = None

    def admits(self, price: float | None) -> bool:
        if price is None:
            return False  # an explicit price limit cannot vouch for an item without a price
        return (self.low is None or price >= self.low) and (self.high is None or price <= self.high)


@dataclass(frozen=True)
class ParsedQuery:
    raw: str
    text: str  # what retrieval sees: normalised, price phrase removed, spelling corrected
    original_text: str  # normalised, price phrase removed, before spelling correction
    tokens: tuple[str, ...]
    corrections: dict[str, str] = field(default_factory=dict)
    price: PriceRange | None = None
    brands: tuple[str, ...] = ()  # normalised brand names
    colours: tuple[str, ...] = ()  # canonical colours
    categories: tuple[str, ...] = ()  # normalised category names
    units: tuple[str, ...] = ()
    language: str = "en"
    # Merchant synonyms (search.rules): tokens searched at a lower weight, and target → source phrase.
    expansions: tuple[str, ...] = ()
    synonyms: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["tokens"] = list(self.tokens)
        for key in ("brands", "colours", "categories", "units", "expansions"):
            out[key] = list(out[key])
        return out


def _amount(text: str) -> float:
    return float(text.replace(",", "."))


def _looks_like_money(match: re.Match[str], kind: str) -> bool:
    """ "under 50" is a price; "2 in to 4 in" or "1-1/2" are not: numbers glued to units are sizes."""
    after = match.string[match.end() : match.end() + 6]
    if re.match(r"\s*(?:in\b|in\.|ft|inch|feet|gal|lb|oz|v\b|w\b|mm|cm|ml|pc|pk|/)", after):
        return False
    if kind == "range":
        return bool(_CURRENCY_MARK.search(match.group(0))) or match.group(0).startswith("between")
    return True


def parse_price(text: str) -> tuple[PriceRange | None, str]:
    """The price constraint in ``text`` and the text without it."""
    for pattern, kind in _PRICE_PATTERNS:
        match = pattern.search(text)
        if match is None or not _looks_like_money(match, kind):
            continue
        numbers = [_amount(g) for g in match.groups() if g is not None]
        if kind == "range" and len(numbers) == 2:
            price = PriceRange(min(numbers), max(numbers))
        elif kind == "max":
            price = PriceRange(high=numbers[0])
        else:
            price = PriceRange(low=numbers[0])
        rest = (text[: match.start()] + " " + text[match.end() :]).strip()
        return price, re.sub(r"\s+", " ", rest)
    return None, text


def _phrases(word_list: list[str], longest: int = 3) -> list[str]:
    return [
        " ".join(word_list[i : i + n]) for n in range(longest, 0, -1) for i in range(len(word_list) - n + 1)
    ]


def _find_brands(text: str, word_list: list[str], lexicon: Lexicon) -> list[str]:
    found = [p for p in _phrases(word_list) if p in lexicon.brands]
    found += [b for b in lexicon.brands if has_cjk(b) and b in text and b not in found]
    if not found:
        # A misspelt one-word brand ("dewlat") is still the brand when nothing else is close.
        for word in word_list:
            if len(word) >= 5 and word not in lexicon.spelling and word.isalpha():
                close = [b for b in lexicon.brands if " " not in b and edit_distance(word, b, 1) <= 1]
                if len(close) == 1:
                    found.append(close[0])
    return found


def _find_categories(text: str, word_list: list[str], lexicon: Lexicon) -> list[str]:
    phrases = _phrases(word_list)
    # Plural and singular both name a category ("drills" / "Drill").
    variants = {p: p for p in phrases} | {p.rstrip("s"): p for p in phrases if p.endswith("s")}
    variants |= {p + "s": p for p in phrases}
    found = [c for c in lexicon.categories if c in variants]
    found += [c for c in lexicon.categories if has_cjk(c) and c in text and c not in found]
    return found


def parse_query(raw: str, lexicon: Lexicon) -> ParsedQuery:
    normalised = normalise(raw).strip()
    price, rest = parse_price(normalised)
    corrections: dict[str, str] = {}
    corrected_words: list[str] = []
    for word in words(rest):
        fixed = lexicon.spelling.correct(word) if lexicon.spelling.frequency else None
        if fixed is not None and fixed != word:
            corrections[word] = fixed
            corrected_words.append(fixed)
        else:
            corrected_words.append(word)
    corrected = rest
    for wrong, right in corrections.items():
        corrected = re.sub(rf"(?<![a-z0-9]){re.escape(wrong)}(?![a-z0-9])", right, corrected)
    corrected_list = words(corrected)
    colours = [COLOURS[w] for w in corrected_list if w in COLOURS and COLOURS[w] in lexicon.colours]
    colours += [
        COLOURS[name]
        for name in COLOURS
        if has_cjk(name) and len(name) > 1 and name in corrected and COLOURS[name] in lexicon.colours
    ]
    return ParsedQuery(
        raw=raw,
        text=corrected,
        original_text=rest,
        tokens=tuple(dict.fromkeys(tokens(corrected))),
        corrections=corrections,
        price=price,
        brands=tuple(dict.fromkeys(_find_brands(corrected, corrected_list, lexicon))),
        colours=tuple(dict.fromkeys(colours)),
        categories=tuple(
            sorted(dict.fromkeys(_find_categories(corrected, corrected_list, lexicon)), key=len, reverse=True)
        ),
        units=tuple(dict.fromkeys(unit_tokens(corrected))),
        language="zh" if has_cjk(corrected) else "en",
    )
