"""The search pipeline: parse → retrieve → hard filters → features → rank → tiers → personalise.

Ordering rule: results are sorted by *tier* first (how many explicit intents of the query an item
satisfies: parsed brand, colour, category), then by score. Relevance (learned reranker, or the
unlearned fusion) and the bounded personal boost only order items within a tier, so a customer's
favourite brand can never outrank an item of the brand, colour or category the query named.
Price limits, brands and colours are hard filters; one that would leave nothing is relaxed, and
the explanation says so. A query nothing matches exactly is relaxed step by step (spelling, dropped
words, semantic neighbours; ``search.relax``) and the answer lists the steps. Merchant synonyms
expand the parsed query (``search.rules``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shelfwise.domain import ScoredItem
from shelfwise.search.behaviour import BehaviourStats
from shelfwise.search.features import (
    FEATURE_NAMES,
    Candidates,
    feature_matrix,
    intent_distribution,
    intent_matches,
    retrieve,
)
from shelfwise.search.index import SearchIndex
from shelfwise.search.personal import Profile, personal_boost
from shelfwise.search.query import ParsedQuery, parse_query
from shelfwise.search.ranker import SearchRanker
from shelfwise.search.relax import RelaxStep, dropped_words, loosely_corrected, spelling_step
from shelfwise.search.rules import SearchRuleSet
from shelfwise.search.text import display_words, tokens

_COL = {name: n for n, name in enumerate(FEATURE_NAMES)}
MIN_COSINE = 0.3
MIN_GRAM_SHARE = 0.25


@dataclass
class Ranked:
    rows: np.ndarray
    scores: np.ndarray
    reasons: list[list[str]]
    relaxed: list[RelaxStep] = field(default_factory=list)


@dataclass
class SearchAnswer:
    items: list[ScoredItem]
    relaxed: list[RelaxStep] = field(default_factory=list)  # what the query gave up, in order
    redirect: str | None = None  # a merchant rule sends this query to a page


@dataclass
class SearchEngine:
    index: SearchIndex
    behaviour: BehaviourStats
    popularity: np.ndarray
    ranker: SearchRanker | None = None
    candidates_per_source: int = 200
    personalization_weight: float = 0.3
    rules: SearchRuleSet = field(default_factory=SearchRuleSet)
    # Candidates the learned ranker scores (0: all): the best by tier, then fusion score.
    ranker_candidates: int = 0

    def parse(self, raw: str) -> ParsedQuery:
        return self.rules.expand(parse_query(raw, self.index.lexicon))

    def candidates(self, query: ParsedQuery, extra_rows: np.ndarray | None = None) -> Candidates:
        if not query.text.strip():
            # Only a constraint ("under $50"): everything, most popular first.
            n = len(self.index)
            rows = (
                np.argsort(-self.popularity[:n], kind="stable")[: self.candidates_per_source * 3]
                if n
                else np.zeros(0, np.int64)
            )
            zeros = np.zeros(len(rows), dtype=np.float32)
            ranks = np.full((len(rows), 3), 1000.0, dtype=np.float32)
            return Candidates(rows.astype(np.int64), zeros, zeros, zeros.copy(), ranks, ())
        return retrieve(self.index, query, self.candidates_per_source, extra_rows)

    def features(self, query: ParsedQuery, candidates: Candidates) -> np.ndarray:
        intent = intent_distribution(self.index, self.behaviour, candidates.terms)
        return feature_matrix(self.index, query, candidates, self.behaviour, self.popularity, intent)

    def _filters(self, query: ParsedQuery, rows: np.ndarray) -> tuple[np.ndarray, list[RelaxStep]]:
        keep = np.ones(len(rows), dtype=bool)
        relaxed: list[RelaxStep] = []
        if query.price is not None:
            prices = self.index.prices[rows]
            low = -np.inf if query.price.low is None else query.price.low
            high = np.inf if query.price.high is None else query.price.high
            keep &= np.isfinite(prices) & (prices >= low) & (prices <= high)
        # Brand and colour narrow further, but never to nothing: a query the catalog cannot satisfy
        # exactly still gets the closest items, and the explanation says which intent was relaxed.
        for name, wanted, has in (
            ("brand", set(query.brands), lambda f, w: f.brand in w),
            ("colour", set(query.colours), lambda f, w: bool(f.colours & w)),
        ):
            if not wanted:
                continue
            match = np.fromiter(
                (has(self.index.rows[int(r)], wanted) for r in rows), dtype=bool, count=len(rows)
            )
            if (keep & match).any():
                keep &= match
            else:
                relaxed.append(RelaxStep(name, f"no matching item has {name} {', '.join(sorted(wanted))}"))
        return keep, relaxed

    def _relaxed(self, query: ParsedQuery) -> tuple[ParsedQuery, Candidates, np.ndarray, list[RelaxStep]]:
        """Candidates, the filter mask and the relaxation steps the query needed (``search.relax``)."""
        candidates = self.candidates(query)
        keep, filters = self._filters(query, candidates.rows)
        if not query.text.strip():
            return query, candidates, keep, filters
        dropped = self._dropped(query, candidates, keep)
        if dropped is None or dropped:  # no exact match: first try a looser spelling of unknown words
            looser = loosely_corrected(query, self.index.lexicon, set(dropped) if dropped else None)
            if looser is not None:
                looser = self.rules.expand(looser)
                retry = self.candidates(looser)
                retry_keep, retry_filters = self._filters(looser, retry.rows)
                retry_dropped = self._dropped(looser, retry, retry_keep)
                if retry_dropped is not None and (dropped is None or len(retry_dropped) < len(dropped)):
                    query, candidates, keep, filters = looser, retry, retry_keep, retry_filters
                    dropped = retry_dropped
        steps = [spelling_step(query.corrections)] if query.corrections else []
        if dropped:
            steps.append(RelaxStep("dropped", ", ".join(f"'{w}'" for w in dropped)))
        elif dropped is None and keep.any():
            steps.append(
                RelaxStep("semantic", "no item matches a word of the query: closest in meaning or spelling")
            )
        return query, candidates, keep, steps + filters

    def _dropped(self, query: ParsedQuery, candidates: Candidates, keep: np.ndarray) -> list[str] | None:
        """Words dropped before a kept candidate matches all the rest; None: none matches any word."""
        word_match = (candidates.bm25 > 0) & keep
        if not word_match.any():
            return None
        return dropped_words(self.index, query, candidates.rows[word_match])

    def rank(self, query: ParsedQuery, profile: Profile | None = None, k: int = 10) -> Ranked:
        query, candidates, keep, relaxed = self._relaxed(query)
        keep &= _relevant(candidates, keep)
        if not keep.any():
            return Ranked(candidates.rows[keep], np.zeros(0, dtype=np.float32), [], relaxed)
        candidates, keep = self._for_ranker(query, candidates, keep, k)
        all_features = self.features(query, candidates)
        score = self._relevance(all_features)[keep]
        features, rows = all_features[keep], candidates.rows[keep]
        personal_reasons: list[list[str]] = [[] for _ in rows]
        if profile is not None and not profile.empty and self.personalization_weight > 0:
            personal = personal_boost(profile, self.index, rows)
            score = score + self.personalization_weight * personal.boost
            personal_reasons = personal.reasons
        tier = (
            features[:, _COL["brand_match"]]
            + features[:, _COL["colour_match"]]
            + features[:, _COL["category_match"]]
        )
        order = np.lexsort((-score, -tier))[:k]
        # The terms each query word (and each synonym it gained) stands for, once per query.
        word_terms = [(w, set(self.index.lexical.word_terms([w]))) for w in display_words(query.text)]
        synonym_terms = [
            (target, source, set(self.index.lexical.word_terms(tokens(target))))
            for target, source in query.synonyms.items()
        ]
        # Plain floats and ints: reading numpy scalars one by one cost more than the reasons.
        chosen_rows, chosen_features = rows[order].tolist(), features[order].tolist()
        reasons = [
            self._reasons(query, word_terms, row, values)
            + [
                f"synonym: '{t}' for '{s}'"
                for t, s, terms in synonym_terms
                if terms & self.index.rows[row].terms
            ]
            + personal_reasons[i]
            for i, row, values in zip(order.tolist(), chosen_rows, chosen_features, strict=True)
        ]
        return Ranked(rows[order], score[order].astype(np.float32), reasons, relaxed)

    def _for_ranker(
        self, query: ParsedQuery, candidates: Candidates, keep: np.ndarray, k: int
    ) -> tuple[Candidates, np.ndarray]:
        """The candidates worth the learned ranker's time (LightGBM and the feature matrix cost in
        proportion to the rows): the kept ones (the filters' rejects are never shown) of the
        highest tiers, best fusion score first, at most ``ranker_candidates`` (never fewer than
        ``k``; 0: every candidate, kept or not). Relative features stay relative to the whole list
        (``Candidates.subset``). Home Depot: 300 of ~410 candidates gave the same test NDCG@10 and
        Recall@100 as all of them (docs/performance.md)."""
        if self.ranker is None or not self.ranker_candidates:
            return candidates, keep
        kept = np.flatnonzero(keep)
        limit = max(self.ranker_candidates, k)
        if len(kept) == len(keep) and len(kept) <= limit:
            return candidates, keep
        fused = candidates.fused[kept]
        if len(kept) <= limit:
            best = np.arange(len(kept))  # only the filtered-out rows go
        elif query.brands or query.colours or query.categories:
            facts = [self.index.rows[r] for r in candidates.rows[kept].tolist()]
            tier = intent_matches(facts, set(query.brands), set(query.colours), set(query.categories)).sum(
                axis=1
            )
            best = np.lexsort((-fused, -tier))[:limit]
        else:
            best = np.argsort(-fused, kind="stable")[:limit]
        chosen = np.zeros(len(keep), dtype=bool)
        chosen[kept[best]] = True
        return candidates.subset(chosen), np.ones(int(chosen.sum()), dtype=bool)

    def _relevance(self, features: np.ndarray) -> np.ndarray:
        """Relevance on a 0..1 scale (1 = the best candidate) the personal boost is weighed against."""
        if self.ranker is None:
            fused = features[:, _COL["fused"]]
            top = float(fused.max())
            return fused / top if top > 0 else np.ones_like(fused)
        # Lambdarank scores behave like log-odds of one item beating another: exp(score − best)
        # is the relative preference (1 for the best), so near-ties stay near-ties on any catalog
        # size and the bounded personal boost can only flip close calls.
        learned = self.ranker.score(features).astype(np.float64)
        return np.exp(learned - learned.max()).astype(np.float32)

    def search(self, raw: str, profile: Profile | None = None, k: int = 10) -> list[ScoredItem]:
        return self.answer(raw, profile, k).items

    def answer(self, raw: str, profile: Profile | None = None, k: int = 10) -> SearchAnswer:
        """The top ``k`` and what the query had to relax to find them."""
        ranked = self.rank(self.parse(raw), profile, k)
        rows = self.index.rows
        items = [  # Python ints and floats once per list, not numpy scalars one by one
            ScoredItem(rows[row].item.item_id, score, tuple(reasons))
            for row, score, reasons in zip(
                ranked.rows.tolist(), ranked.scores.tolist(), ranked.reasons, strict=True
            )
        ]
        return SearchAnswer(items, ranked.relaxed)

    def _reasons(
        self, query: ParsedQuery, word_terms: list[tuple[str, set[str]]], row: int, features: list[float]
    ) -> list[str]:
        fact = self.index.rows[row]
        reasons: list[str] = []
        matched = [word for word, terms in word_terms if terms & fact.terms]
        if matched:
            reasons.append("matches " + ", ".join(f"'{w}'" for w in matched[:4]))
        fixes = [f"'{right}' for '{wrong}'" for wrong, right in query.corrections.items() if right in matched]
        if fixes:
            reasons.append("spelling: " + ", ".join(fixes))
        if features[_COL["brand_match"]]:
            reasons.append(f"brand {fact.item.brand}")
        if features[_COL["colour_match"]]:
            reasons.append("colour " + ", ".join(sorted(fact.colours & set(query.colours))))
        if features[_COL["category_match"]] and fact.item.category:
            reasons.append(f"in {fact.item.category[-1]}")
        if query.price is not None and fact.item.price is not None:
            reasons.append(f"price {fact.item.price:g} {_price_text(query)}")
        if features[_COL["qi_clicks"]] > 0:
            reasons.append("chosen by earlier shoppers who searched this")
        if not matched and features[_COL["cosine"]] >= 0.5:
            reasons.append(f"similar meaning (cosine {features[_COL['cosine']]:.2f})")
        return reasons

    def explain(self, raw: str) -> dict[str, Any]:
        query = self.parse(raw)
        terms = tuple(self.index.lexical.word_terms(query.tokens))
        intent = intent_distribution(self.index, self.behaviour, terms)
        out = query.as_dict()
        out["price"] = None if query.price is None else {"min": query.price.low, "max": query.price.high}
        out["terms"] = list(terms)
        out["category_intent"] = {c: round(p, 3) for c, p in list(intent.items())[:5]}
        out["filters"] = {
            "price": out["price"],
            "brand": list(query.brands),
            "colour": list(query.colours),
        }
        out["ranker"] = "learned (lambdarank)" if self.ranker is not None else "fusion (unlearned)"
        return out


def _relevant(candidates: Candidates, keep: np.ndarray) -> np.ndarray:
    """Drop candidates with no word match, weak n-gram overlap and a low cosine, unless nothing
    better is left (on a tiny catalog the dense list would otherwise pad the page with noise)."""
    top_grams = float(candidates.grams.max()) if len(candidates.grams) else 0.0
    passes = (candidates.bm25 > 0) | (candidates.cosine >= MIN_COSINE)
    if top_grams > 0:
        passes |= candidates.grams >= MIN_GRAM_SHARE * top_grams
    return passes if (passes & keep).any() else np.ones_like(keep)


def _price_text(query: ParsedQuery) -> str:
    price = query.price
    if price is None:
        return ""
    if price.low is not None and price.high is not None:
        return f"(within {price.low:g}–{price.high:g})"
    return f"(≤ {price.high:g})" if price.high is not None else f"(≥ {price.low:g})"
