"""Rating prediction: biased matrix factorisation (baseline + latent factors, ALS with tuned
regularisation) and the baselines it is judged against (global mean, item mean, user + item bias)."""

from shelfwise.ratings.model import (
    BiasedMF,
    Biases,
    GlobalMean,
    ItemMean,
    RatingOptions,
    RatingPredictor,
    Ratings,
    Tuned,
    fit_rating_model,
    tune_biases,
)

__all__ = [
    "BiasedMF",
    "Biases",
    "GlobalMean",
    "ItemMean",
    "RatingOptions",
    "RatingPredictor",
    "Ratings",
    "Tuned",
    "fit_rating_model",
    "tune_biases",
]
