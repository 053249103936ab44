"""One category label per item, inferred from text where the catalog has none.

An item's label is its category path ("Electronics > Phone Accessories > Cases"). Items without a
category take the label most common among their ``neighbours`` nearest *categorised* items by text
embedding (votes weighted by cosine similarity), so a new "Case for Orbita One" lands in the cases
of other phones. When no item of the catalog is categorised, labels are k-means clusters of the
text embeddings ("cluster 7"): the category-level complement relations still work, only their
names in explanations are less telling.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

UNKNOWN = "(not in catalog)"


@dataclass(frozen=True)
class CategoryLabels:
    names: list[str]  # label id → name
    of_item: np.ndarray  # int32 label id per item
    inferred: np.ndarray  # bool per item: the label came from text, not from the catalog


def category_name(path: Sequence[str]) -> str:
    return " > ".join(part.strip() for part in path if part and part.strip())


def leaf(name: str) -> str:
    return name.rsplit(" > ", 1)[-1]


def infer_labels(
    paths: Sequence[str | None], embeddings: np.ndarray, known: np.ndarray, neighbours: int = 5, seed: int = 0
) -> CategoryLabels:
    """``paths[i]`` is item i's category name or None; ``known`` marks catalog items (others get
    ``UNKNOWN``: they have no text to infer from and are never shown)."""
    n = len(paths)
    labels: list[str] = [p if p else "" for p in paths]
    inferred = np.zeros(n, dtype=bool)
    missing = [i for i in range(n) if not labels[i] and known[i]]
    labelled = np.asarray([i for i in range(n) if labels[i] and known[i]], dtype=np.int64)
    if missing and labelled.size:
        for start in range(0, len(missing), 1024):
            rows = np.asarray(missing[start : start + 1024], dtype=np.int64)
            sims = embeddings[rows] @ embeddings[labelled].T
            top = np.argsort(-sims, axis=1)[:, :neighbours]
            for r, row in enumerate(rows):
                votes: dict[str, float] = {}
                for column in top[r]:
                    name = labels[int(labelled[column])]
                    votes[name] = votes.get(name, 0.0) + max(float(sims[r, column]), 0.0) + 1e-6
                labels[int(row)] = max(votes.items(), key=lambda kv: kv[1])[0]
                inferred[row] = True
    elif missing:
        clusters = _kmeans(embeddings[missing], max(2, int(np.sqrt(len(missing) / 2))), seed)
        for row, cluster in zip(missing, clusters, strict=True):
            labels[row] = f"cluster {int(cluster)}"
            inferred[row] = True
    for i in range(n):
        if not known[i]:
            labels[i] = UNKNOWN
    names = sorted(set(labels))
    ids = {name: n for n, name in enumerate(names)}
    return CategoryLabels(names, np.asarray([ids[label] for label in labels], dtype=np.int32), inferred)


def _kmeans(vectors: np.ndarray, k: int, seed: int, iterations: int = 20) -> np.ndarray:
    k = min(k, len(vectors))
    rng = np.random.default_rng(seed)
    centres = vectors[rng.choice(len(vectors), size=k, replace=False)].copy()
    assignment = np.zeros(len(vectors), dtype=np.int64)
    for _ in range(iterations):
        assignment = np.argmax(vectors @ centres.T, axis=1)  # vectors are L2-normalised: cosine
        for c in range(k):
            members = vectors[assignment == c]
            if len(members):
                centre = members.mean(axis=0)
                centres[c] = centre / max(float(np.linalg.norm(centre)), 1e-12)
    return assignment
