"""Next-item recommendation models (candidate sources and the sequential recommenders).

All models share the :class:`~shelfwise.retrieval.base.SequentialRecommender` protocol: items are dense
indices ``0..n_items-1``, ``fit`` takes chronological sequences, ``score`` returns a full score matrix
(history items not masked: the caller masks).

- ``transitions.TransitionModel``: decayed item-to-item transitions (the baseline, fits in a second);
  ``transitions.PopularityModel``: best sellers.
- ``ranker.CandidateRankerRecommender``: the default. Transition + text-neighbour candidates re-ranked
  by LightGBM lambdarank; a SASRec adds candidates and features (``neural_minutes``, 0 turns it off).
- ``sasrec.SASRecModel``: a small self-attentive model with full-softmax cross-entropy (torch).

The model modules are not imported here so that ``import shelfwise.retrieval`` stays free of torch
and LightGBM.
"""

from shelfwise.retrieval.base import Evidence, FitOptions, SequentialRecommender, TrainingData

__all__ = ["Evidence", "FitOptions", "SequentialRecommender", "TrainingData"]
