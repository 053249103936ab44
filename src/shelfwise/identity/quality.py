"""Pairwise precision and recall of a resolution against known same-person pairs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations


@dataclass(frozen=True, slots=True)
class PairwiseScores:
    precision: float  # share of predicted same-customer pairs that are true
    recall: float  # share of true pairs that were predicted
    n_predicted: int
    n_true: int
    n_correct: int


def pair(user_a: str, user_b: str) -> tuple[str, str]:
    """The canonical (sorted) form of an unordered pair."""
    return (user_a, user_b) if user_a <= user_b else (user_b, user_a)


def cluster_pairs(clusters: Iterable[Iterable[str]]) -> set[tuple[str, str]]:
    """Every unordered pair of accounts that share a cluster."""
    pairs: set[tuple[str, str]] = set()
    for cluster in clusters:
        pairs.update(pair(a, b) for a, b in combinations(sorted(cluster), 2))
    return pairs


def pairwise_scores(
    predicted_clusters: Iterable[Iterable[str]], true_pairs: set[tuple[str, str]]
) -> PairwiseScores:
    """Score predicted clusters against canonical true pairs (empty sets score 1.0)."""
    predicted = cluster_pairs(predicted_clusters)
    correct = len(predicted & true_pairs)
    precision = correct / len(predicted) if predicted else 1.0
    recall = correct / len(true_pairs) if true_pairs else 1.0
    return PairwiseScores(precision, recall, len(predicted), len(true_pairs), correct)
