"""The next-item models ``shelfwise train`` can fit, by explicit name (no dynamic class lookup)."""

from __future__ import annotations

from pathlib import Path

from shelfwise.errors import ModelError
from shelfwise.retrieval import SequentialRecommender
from shelfwise.retrieval.ranker import CandidateRankerRecommender
from shelfwise.retrieval.transitions import PopularityModel, TransitionModel

MODEL_DIR = "model"
_KIND_FILE = "kind.txt"
DEFAULT_MODEL = "candidate_ranker"

MODELS: dict[str, type] = {
    "candidate_ranker": CandidateRankerRecommender,
    "transitions": TransitionModel,
    "popularity": PopularityModel,
}


def create_model(name: str = DEFAULT_MODEL) -> SequentialRecommender:
    try:
        return MODELS[name]()
    except KeyError:
        raise ModelError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}") from None


def save_model(model: SequentialRecommender, name: str, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    model.save(directory)
    (directory / _KIND_FILE).write_text(name)


def load_model(directory: Path) -> SequentialRecommender:
    try:
        name = (directory / _KIND_FILE).read_text().strip()
        return MODELS[name].load(directory)
    except (OSError, KeyError) as exc:
        raise ModelError(f"{directory}: cannot load model ({exc})") from exc
