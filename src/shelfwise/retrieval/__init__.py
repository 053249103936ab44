"""Next-item recommendation models (candidate sources and the sequential recommenders).

All models share the :class:`~shelfwise.retrieval.base.SequentialRecommender` protocol: items are dense
indices ``0..n_items-1``, ``fit`` takes chronological sequences, ``score`` returns a full score matrix.
"""

from shelfwise.retrieval.base import FitOptions, SequentialRecommender, TrainingData

__all__ = ["FitOptions", "SequentialRecommender", "TrainingData"]
