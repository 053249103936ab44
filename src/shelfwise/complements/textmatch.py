"""Does an accessory name the anchor? Title word overlap and ``compatible_with`` phrase lists.

Two cheap, explainable signals, both available before anyone has bought the pair:

* **Title match**: cosine of IDF-weighted title words. Rare words dominate, so "Case for Nimbus
  X12, Slim" matches "Nimbus X12 Smartphone 128GB" through "nimbus" and "x12", and matches the
  "X12 Pro" phone less because "pro" is missing on one side.
* **Compatibility lists**: an item whose ``compatible_with`` (or ``compatible``/``fits``) attribute
  lists a phrase found in the anchor's title or ``model`` attribute fits the anchor, for names
  without a model number too ("Orbita One", "13 in"). Only the longest phrases found count, and not
  when a variant word follows, so "Nimbus X12 Pro" does not pick up what fits "Nimbus X12".

Model names with numbers ("Vexo Q9", "iPhone 15 Pro Max") are read by ``compat.py``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from shelfwise.complements.compat import VARIANT_WORDS

WORD = re.compile(r"\w+", re.UNICODE)
COMPAT_KEYS = ("compatible_with", "compatible", "fits")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


@dataclass(frozen=True)
class TitleIndex:
    matrix: sp.csr_matrix  # items × vocabulary, IDF-weighted, rows L2-normalised
    idf: dict[str, float]


def build_title_index(titles: Sequence[str]) -> TitleIndex:
    tokenised = [sorted(set(words(t))) for t in titles]
    df: dict[str, int] = {}
    for tokens in tokenised:
        for token in tokens:
            df[token] = df.get(token, 0) + 1
    n = max(len(titles), 1)
    idf = {token: math.log((n + 1) / (count + 1)) + 1.0 for token, count in df.items()}
    vocabulary = {token: column for column, token in enumerate(sorted(idf))}
    rows, cols, vals = [], [], []
    for row, tokens in enumerate(tokenised):
        weights = np.asarray([idf[t] for t in tokens], dtype=np.float32)
        norm = float(np.linalg.norm(weights)) or 1.0
        for token, value in zip(tokens, weights, strict=True):
            rows.append(row)
            cols.append(vocabulary[token])
            vals.append(value / norm)
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(len(titles), len(vocabulary)), dtype=np.float32)
    return TitleIndex(matrix, idf)


def _phrases(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str | int | float)]
    return []


def compat_phrases(attributes: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    for key in COMPAT_KEYS:
        found += [" ".join(words(p)) for p in _phrases(attributes.get(key)) if words(p)]
    return found


def build_compatibility(
    titles: Sequence[str], attributes: Sequence[Mapping[str, Any]]
) -> tuple[sp.csr_matrix, sp.csr_matrix, list[str]]:
    """(fits: items × phrases, names: items × phrases, phrases). ``fits[b, p]``: b lists phrase p as
    compatible; ``names[a, p]``: anchor a's title or model names p (longest phrases only)."""
    phrase_ids: dict[str, int] = {}
    fit_rows, fit_cols = [], []
    for row, attrs in enumerate(attributes):
        for phrase in compat_phrases(attrs):
            fit_rows.append(row)
            fit_cols.append(phrase_ids.setdefault(phrase, len(phrase_ids)))
    phrases = sorted(phrase_ids, key=phrase_ids.__getitem__)
    by_first = phrases_by_first_word(phrases)
    name_rows, name_cols = [], []
    for row, (title, attrs) in enumerate(zip(titles, attributes, strict=True)):
        if not by_first:
            break
        for phrase in phrases_named(title, attrs, by_first):
            name_rows.append(row)
            name_cols.append(phrase_ids[phrase])
    shape = (len(titles), len(phrases))
    fits = sp.csr_matrix((np.ones(len(fit_rows), dtype=np.float32), (fit_rows, fit_cols)), shape=shape)
    names = sp.csr_matrix((np.ones(len(name_rows), dtype=np.float32), (name_rows, name_cols)), shape=shape)
    return fits, names, phrases


def phrases_by_first_word(phrases: Sequence[str]) -> dict[str, list[str]]:
    """A title is only checked against phrases that start with one of its words."""
    by_first: dict[str, list[str]] = {}
    for phrase in phrases:
        by_first.setdefault(phrase.split(" ", 1)[0], []).append(phrase)
    return by_first


def phrases_named(title: str, attributes: Mapping[str, Any], by_first: Mapping[str, list[str]]) -> list[str]:
    """The listed phrases an item's title or ``model`` attribute names: the longest ones only, and
    not when a variant word follows ("Nimbus X12" is not named by "Nimbus X12 Pro Smartphone")."""
    model = attributes.get("model")
    tokens = words(title + (f" {model}" if isinstance(model, str) else ""))
    padded = f" {' '.join(tokens)} "
    hits = set()
    for token in set(tokens):
        for phrase in by_first.get(token, ()):
            at = padded.find(f" {phrase} ")
            while at >= 0:
                following = padded[at + len(phrase) + 2 :].split(" ", 1)[0]
                if following not in VARIANT_WORDS:
                    hits.add(phrase)
                    break
                at = padded.find(f" {phrase} ", at + 1)
    return [p for p in hits if not any(p != q and f" {p} " in f" {q} " for q in hits)]
