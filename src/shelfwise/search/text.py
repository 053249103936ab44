"""Text normalisation and tokenisation shared by indexing and querying (one code path, no skew).

* NFKC first: full-width digits and letters ("２００元") become ASCII, so Chinese input with
  full-width numbers parses like any other.
* English: lower-case word tokens; stemming happens inside the lexical engine (tantivy's English
  Snowball filter), so the same stemmer sees documents and queries.
* Chinese: runs of CJK characters are segmented with jieba (search mode: words and their sub-words)
  plus character bigrams, so a segmentation that differs between a title and a query still matches.
* Units and sizes: "8 ft", "8ft", "8'", "8-foot" all become the token ``8ft``; "2 in. x 4 in." and
  "2x4" both yield ``2x4``; inches and feet are converted both ways (96in ⇄ 8ft), so "2x4 8ft"
  matches "2 in. x 4 in. x 96 in.".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+(?:[./][0-9]+)*|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_NUMBER = r"(\d+(?:\.\d+)?(?:/\d+)?)"

# Canonical unit names; longer spellings first so the alternation prefers them.
UNIT_ALIASES: dict[str, str] = {
    "inches": "in",
    "inch": "in",
    "in.": "in",
    "in": "in",
    '"': "in",
    "''": "in",
    "″": "in",
    "feet": "ft",
    "foot": "ft",
    "ft.": "ft",
    "ft": "ft",
    "'": "ft",
    "′": "ft",
    "gallons": "gal",
    "gallon": "gal",
    "gal.": "gal",
    "gal": "gal",
    "pounds": "lb",
    "pound": "lb",
    "lbs.": "lb",
    "lbs": "lb",
    "lb.": "lb",
    "lb": "lb",
    "ounces": "oz",
    "ounce": "oz",
    "fl. oz.": "floz",
    "fl oz": "floz",
    "oz.": "oz",
    "oz": "oz",
    "volts": "v",
    "volt": "v",
    "v": "v",
    "watts": "w",
    "watt": "w",
    "w": "w",
    "amps": "amp",
    "amp": "amp",
    "mah": "mah",
    "millimeters": "mm",
    "millimetres": "mm",
    "mm": "mm",
    "centimeters": "cm",
    "centimetres": "cm",
    "cm": "cm",
    "meters": "m",
    "metres": "m",
    "meter": "m",
    "metre": "m",
    "liters": "l",
    "litres": "l",
    "liter": "l",
    "litre": "l",
    "ml": "ml",
    "kg": "kg",
    "grams": "g",
    "gram": "g",
    "gb": "gb",
    "tb": "tb",
    "quarts": "qt",
    "quart": "qt",
    "qt.": "qt",
    "qt": "qt",
    "pack": "pk",
    "pk": "pk",
    "pieces": "pc",
    "piece": "pc",
    "pc": "pc",
    "sq. ft.": "sqft",
    "sq ft": "sqft",
    "sq.ft.": "sqft",
    "cu. ft.": "cuft",
    "cu ft": "cuft",
}
# One generic "number, then a unit-looking word" pattern, resolved through UNIT_ALIASES: much
# faster than an alternation of every spelling (tokenising 55k titles is on the warm-up path).
_UNIT = re.compile(rf"{_NUMBER}\s*-?\s*(sq\.?\s?ft\.?|cu\.?\s?ft\.?|fl\.?\s?oz\.?|[a-z]+\.?|[\"'′″]{{1,2}})")
_DIMENSION = re.compile(rf"{_NUMBER}\s*(?:in\.?|inch(?:es)?|\"|ft\.?|')?\s*[x×*]\s*{_NUMBER}")


def normalise(text: str) -> str:
    """NFKC, lower case, unified quotes and spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    return text.replace("’", "'").replace("“", '"').replace("”", '"')


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _number_value(text: str) -> float | None:
    try:
        if "/" in text:
            top, bottom = text.split("/", 1)
            return float(top) / float(bottom)
        return float(text)
    except (ValueError, ZeroDivisionError):
        return None


def unit_tokens(normalised: str) -> list[str]:
    """Canonical size tokens: ``8ft``, ``96in``, ``1/2in``, ``2x4``; with inch/foot conversions."""
    tokens: list[str] = []
    if not any(char.isdigit() for char in normalised):
        return tokens
    for number, unit in _UNIT.findall(normalised):
        canonical = UNIT_ALIASES.get(unit) or UNIT_ALIASES.get(unit.rstrip("."))
        if canonical is None:
            canonical = UNIT_ALIASES.get(re.sub(r"[\s.]+", " ", unit).strip())
        if canonical is None:
            continue
        tokens.append(f"{number}{canonical}")
        value = _number_value(number)
        if value is None:
            continue
        if canonical == "in" and value >= 12 and value % 12 == 0:
            tokens.append(f"{_number_text(value / 12)}ft")
        elif canonical == "ft" and "/" not in number:
            tokens.append(f"{_number_text(value * 12)}in")
    for first, second in _DIMENSION.findall(normalised):
        tokens.append(f"{first}x{second}")
    return tokens


@lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)  # it prints its dictionary loading otherwise
    return jieba


def has_cjk(text: str) -> bool:
    return _CJK_RUN.search(text) is not None


def cjk_tokens(run: str) -> list[str]:
    """jieba search-mode words of a CJK run plus its character bigrams (single char if alone)."""
    words = [w for w in _jieba().lcut_for_search(run) if w.strip()]
    bigrams = [run[i : i + 2] for i in range(len(run) - 1)] or [run]
    return words + [b for b in bigrams if b not in words]


def words(normalised: str) -> list[str]:
    """Plain word tokens (CJK runs kept whole), in order: the units of spelling correction."""
    return _WORD.findall(normalised)


def tokens(text: str) -> list[str]:
    """Index/query tokens of a text: words (CJK segmented) plus canonical size tokens."""
    normalised = normalise(text)
    output: list[str] = []
    for word in words(normalised):
        if _CJK_RUN.fullmatch(word):
            output.extend(cjk_tokens(word))
        else:
            output.append(word)
    seen = set(output)
    return output + [t for t in dict.fromkeys(unit_tokens(normalised)) if t not in seen]


def display_words(text: str) -> list[str]:
    """Words worth naming in a reason: latin words, jieba words (no bigram helpers), sizes."""
    normalised = normalise(text)
    output: list[str] = []
    for word in words(normalised):
        output.extend(w for w in _jieba().lcut(word) if w.strip()) if _CJK_RUN.fullmatch(
            word
        ) else output.append(word)
    return list(dict.fromkeys(output + unit_tokens(normalised)))


def numbers(text: str) -> set[str]:
    """Every number written in the text (for number-match features: "18v" vs "20v")."""
    return set(re.findall(r"\d+(?:\.\d+)?(?:/\d+)?", normalise(text)))
