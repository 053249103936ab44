"""Product search: query understanding (en/zh tokenisation, spelling, units, price, brand, colour,
category intent), hybrid retrieval (tantivy BM25 + character n-grams + embeddings), a learned
re-ranker from search logs, and bounded personalization.

Modules are imported where used: nothing heavy (tantivy, jieba, models) loads with this package.
The use case is ``shelfwise.service.lists.ListService (source: service/placements/search.py)``.
"""
