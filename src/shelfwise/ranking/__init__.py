"""Scorers, rerankers and explanations applied after candidate retrieval."""
