"""Does an accessory name the anchor? Title word overlap and ``compatible_with`` attributes.

Two cheap, explainable signals, both available before anyone has bought the pair:

* **Title match**: cosine of IDF-weighted title words. Rare words dominate, so "Case for Nimbus
  X12, Slim" matches "Nimbus X12 Smartphone 128GB" through "nimbus" and "x12", and matches the
  "X12 Pro" phone less because "pro" is missing on one side.
* **Compatibility**: an item whose ``compatible_with`` (or ``compatible``/``fits``) attribute lists
  a phrase found in the anchor's title or ``model`` attribute fits the anchor. Only the longest
  phrases found count, so "Nimbus X12 Pro" does not also pick up what fits "Nimbus X12".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

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


def is_model_code(word: str) -> bool:
    """ "x15", "k9", "a5": letters and digits in one word, the way model names are written."""
    return any(ch.isdigit() for ch in word) and any(ch.isalpha() for ch in word)


def shared_model_phrase(
    anchor_title: str, candidate_title: str, idf: Mapping[str, float], min_idf: float
) -> str:
    """The anchor's longest run of consecutive rare words that the candidate's title also has
    ("Nimbus X12"), in the anchor's spelling; empty when there is none or when it is only numbers
    (a shared "13" is a size, not a model)."""
    candidate_words = set(words(candidate_title))
    best: list[str] = []
    run: list[str] = []
    for original in [*WORD.findall(anchor_title), ""]:
        token = original.lower()
        shared = token in candidate_words
        # Rare shared words, plus capitalised shared words beside them ("Nimbus" before "X15").
        if shared and (idf.get(token, 0.0) >= min_idf or original[:1].isupper()):
            run.append(original)
            continue
        if any(idf.get(w.lower(), 0.0) >= min_idf for w in run) and len(run) > len(best):
            best = run
        run = []
    if not any(any(ch.isalpha() for ch in word) for word in best):
        return ""
    return " ".join(best)


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
    # Phrases by first word: a title is only checked against phrases that start with one of its words.
    by_first: dict[str, list[str]] = {}
    for phrase in phrases:
        by_first.setdefault(phrase.split(" ", 1)[0], []).append(phrase)
    name_rows, name_cols = [], []
    for row, (title, attrs) in enumerate(zip(titles, attributes, strict=True)):
        if not by_first:
            break
        model = attrs.get("model")
        tokens = words(title + (f" {model}" if isinstance(model, str) else ""))
        padded = f" {' '.join(tokens)} "
        hits = {p for token in set(tokens) for p in by_first.get(token, ()) if f" {p} " in padded}
        longest = [p for p in hits if not any(p != q and f" {p} " in f" {q} " for q in hits)]
        for phrase in longest:
            name_rows.append(row)
            name_cols.append(phrase_ids[phrase])
    shape = (len(titles), len(phrases))
    fits = sp.csr_matrix((np.ones(len(fit_rows), dtype=np.float32), (fit_rows, fit_cols)), shape=shape)
    names = sp.csr_matrix((np.ones(len(name_rows), dtype=np.float32), (name_rows, name_cols)), shape=shape)
    return fits, names, phrases
