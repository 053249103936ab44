"""The next-item models ``shelfwise train`` can fit, by explicit name (no dynamic class lookup).

Each model's module is imported when the model is first created or loaded: the candidate ranker
brings torch (SASRec) and LightGBM, seconds of import that a one-off search or a command that
never scores a recommendation should not pay.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from shelfwise.errors import ModelError
from shelfwise.retrieval import SequentialRecommender

MODEL_DIR = "model"
_KIND_FILE = "kind.txt"
DEFAULT_MODEL = "candidate_ranker"


def _candidate_ranker() -> Any:
    from shelfwise.retrieval.ranker import CandidateRankerRecommender

    return CandidateRankerRecommender


def _transitions() -> Any:
    from shelfwise.retrieval.transitions import TransitionModel

    return TransitionModel


def _popularity() -> Any:
    from shelfwise.retrieval.transitions import PopularityModel

    return PopularityModel


MODELS: dict[str, Callable[[], Any]] = {
    "candidate_ranker": _candidate_ranker,
    "transitions": _transitions,
    "popularity": _popularity,
}


def create_model(name: str = DEFAULT_MODEL) -> SequentialRecommender:
    if name not in MODELS:
        raise ModelError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    model: SequentialRecommender = MODELS[name]()()
    return model


def save_model(model: SequentialRecommender, name: str, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    model.save(directory)
    (directory / _KIND_FILE).write_text(name)


def load_model(directory: Path) -> SequentialRecommender:
    try:
        name = (directory / _KIND_FILE).read_text().strip()
        model_class = MODELS[name]()
    except (OSError, KeyError) as exc:
        raise ModelError(f"{directory}: cannot load model ({exc})") from exc
    loaded: SequentialRecommender = model_class.load(directory)
    return loaded
