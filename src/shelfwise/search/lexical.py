"""The lexical engine: an in-memory tantivy index with three fields per item.

* ``words``: title tokens from :func:`shelfwise.search.text.tokens` (jieba-segmented Chinese,
  canonical unit tokens), analysed by a whitespace tokenizer + lower case + English Snowball
  stemmer, scored with BM25;
* ``meta``: the same for brand, category path, attribute values and the start of the description;
* ``grams``: character 3–5-grams of the normalised title: misspellings and split or joined words
  ("plyweood", "deck over" / "deckover") still share most of their n-grams.

Queries are built term by term from the same analyzers (never through tantivy's query parser,
which would turn many n-grams into a phrase query). Items are added or replaced one by one, so
the index follows the catalog without a rebuild. The index lives in memory, or in a directory
when one is given: ``train`` writes it into the model version, and serving opens a copy of it
(``shelfwise.search.snapshot``) instead of indexing the whole catalog at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tantivy

from shelfwise.search.text import normalise, tokens

WORDS, META, GRAMS, ROW = "words", "meta", "grams", "row"
META_BOOST = 0.5
# Terms a merchant synonym adds weigh less than the words typed: the typed word's items stay first.
EXPANSION_BOOST = 0.5
# The ngram tokenizer counts characters; 3–5 grams beat BM25 on Home Depot's misspelt queries.
GRAM_RANGE = (3, 5)
MAX_QUERY_GRAMS = 400


@dataclass(frozen=True)
class LexicalDocument:
    row: int
    title: str
    meta: str  # brand, category, attributes, description: lower weight


@dataclass(frozen=True)
class LexicalHits:
    rows: np.ndarray  # int64
    scores: np.ndarray  # float32, best first


def _word_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def _gram_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.ngram(*GRAM_RANGE))
        .filter(tantivy.Filter.lowercase())
        .build()
    )


class LexicalIndex:
    def __init__(self, threads: int = 1, path: Path | None = None) -> None:
        """An empty in-memory index, or the index in directory ``path`` (opened when it exists,
        created empty when it does not)."""
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field(ROW, stored=False, indexed=True, fast=True)
        builder.add_text_field(WORDS, tokenizer_name="sw_words", index_option="freq")
        builder.add_text_field(META, tokenizer_name="sw_words", index_option="freq")
        builder.add_text_field(GRAMS, tokenizer_name="sw_grams", index_option="freq")
        self._schema = builder.build()
        if path is None:
            self._index = tantivy.Index(self._schema)  # in memory: rebuilt from the store at warm-up
        else:
            path.mkdir(parents=True, exist_ok=True)
            self._index = tantivy.Index(self._schema, path=str(path), reuse=True)
        self._words = _word_analyzer()
        self._grams = _gram_analyzer()
        self._index.register_tokenizer("sw_words", self._words)
        self._index.register_tokenizer("sw_grams", self._grams)
        self._threads = threads
        self._searcher: tantivy.Searcher | None = None
        if path is not None:
            self._index.reload()
            self._searcher = self._index.searcher()

    def upsert(self, documents: Sequence[LexicalDocument]) -> None:
        if not documents:
            return
        writer = self._index.writer(heap_size=50_000_000, num_threads=self._threads)
        for doc in documents:
            writer.delete_documents_by_term(ROW, doc.row)
            writer.add_document(
                tantivy.Document(
                    row=doc.row,
                    words=" ".join(tokens(doc.title)),
                    meta=" ".join(tokens(doc.meta)),
                    grams=normalise(doc.title),
                )
            )
        writer.commit()
        writer.wait_merging_threads()
        self._index.reload()
        self._searcher = self._index.searcher()

    def word_terms(self, query_tokens: Sequence[str]) -> list[str]:
        """The stemmed terms a query's tokens become (what BM25 matches on)."""
        return list(dict.fromkeys(self._words.analyze(" ".join(query_tokens))))

    def gram_terms(self, text: str) -> list[str]:
        """n-grams of the query as typed and with its spaces removed, so "deck over" also
        matches "DeckOver" (joined words are as common in titles as split ones in queries)."""
        normalised = normalise(text)
        grams = self._grams.analyze(normalised)
        if " " in normalised.strip():
            grams += self._grams.analyze(normalised.replace(" ", ""))
        return list(dict.fromkeys(grams))[:MAX_QUERY_GRAMS]

    def _run(self, query: tantivy.Query, limit: int) -> LexicalHits:
        if self._searcher is None:
            return LexicalHits(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        result = self._searcher.search(query, limit, count=False)
        # The row comes from a fast field (columnar): no stored-document fetch per hit.
        addresses = [address for _, address in result.hits]
        rows = np.asarray(self._searcher.fast_field_values(ROW, addresses), dtype=np.int64)
        scores = np.fromiter((score for score, _ in result.hits), dtype=np.float32)
        return LexicalHits(rows, scores)

    def _should(
        self, field: str, terms: Sequence[str], boost: float = 1.0
    ) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        clauses = []
        for term in terms:
            query = tantivy.Query.term_query(self._schema, field, term)
            if boost != 1.0:
                query = tantivy.Query.boost_query(query, boost)
            clauses.append((tantivy.Occur.Should, query))
        return clauses

    def search_words(
        self, query_tokens: Sequence[str], limit: int, expansion: Sequence[str] = ()
    ) -> LexicalHits:
        """BM25 over title words (and, with less weight, brand/category/attributes); ``expansion``
        tokens (synonyms) are searched at ``EXPANSION_BOOST`` of the typed words' weight."""
        terms = self.word_terms(query_tokens)
        extra = [t for t in self.word_terms(expansion) if t not in terms] if expansion else []
        if not terms and not extra:
            return self._run(tantivy.Query.empty_query(), limit)
        clauses = self._should(WORDS, terms) + self._should(META, terms, META_BOOST)
        clauses += self._should(WORDS, extra, EXPANSION_BOOST)
        clauses += self._should(META, extra, EXPANSION_BOOST * META_BOOST)
        return self._run(tantivy.Query.boolean_query(clauses), limit)

    def search_grams(self, text: str, limit: int) -> LexicalHits:
        terms = self.gram_terms(text)
        if not terms:
            return self._run(tantivy.Query.empty_query(), limit)
        return self._run(tantivy.Query.boolean_query(self._should(GRAMS, terms)), limit)
