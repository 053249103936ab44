"""One model version, loaded for answering requests: the next-item model and its item index, the
catalog's text vectors, the complement model, the search ranker and the click model, all from the same version
directory of the model store, so they can never disagree about the catalog they saw."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from shelfwise.ctr import ClickModel, load_click_model
from shelfwise.encoders.query_tuning import TunedQueryEncoder
from shelfwise.errors import ModelError
from shelfwise.history import ItemIndex
from shelfwise.retrieval import SequentialRecommender
from shelfwise.retrieval.registry import MODEL_DIR, load_model
from shelfwise.search.factory import load_query_encoder, load_ranker
from shelfwise.search.ranker import SearchRanker
from shelfwise.storage.models import Manifest, ModelStore

if TYPE_CHECKING:  # loaded with the complement model only (scipy.sparse: a one-off search skips it)
    from shelfwise.complements import ComplementModel


@dataclass
class ServedModel:
    version: str
    directory: Path
    manifest: Manifest
    index: ItemIndex
    embeddings: np.ndarray | None = field(repr=False)  # (items, d) L2-normalised, model item order
    one_off: bool = False  # loaded for one command: scored without importing LightGBM where it can

    @cached_property
    def recommender(self) -> SequentialRecommender:
        return load_model(self.directory / MODEL_DIR)

    @cached_property
    def complements(self) -> ComplementModel:
        from shelfwise.complements import COMPLEMENTS_DIR, ComplementModel

        if not (self.directory / COMPLEMENTS_DIR).is_dir() or self.embeddings is None:
            raise ModelError(
                f"model version {self.version} has no complement model: run `shelfwise train` again"
            )
        return ComplementModel.load(self.directory / COMPLEMENTS_DIR, self.embeddings)

    @cached_property
    def search_ranker(self) -> SearchRanker | None:
        return load_ranker(self.directory, without_lightgbm=self.one_off)

    @cached_property
    def click_model(self) -> ClickModel | None:
        """None: the version was trained without impressions (no click stage)."""
        return load_click_model(self.directory)

    @cached_property
    def search_query_encoder(self) -> TunedQueryEncoder | None:
        """The query encoder fine-tuned on the search log at training (None: the pretrained one)."""
        return load_query_encoder(self.directory)

    @property
    def encoder_name(self) -> str | None:
        name = self.manifest.components.get("encoder")
        return str(name) if name else None


def load_served(
    models: ModelStore, version: str | None = None, mapped: bool = False, one_off: bool = False
) -> ServedModel:
    """``version``, or the active one (the pin when there is one, else the newest good version).
    ``mapped``: the item vectors are memory-mapped (read-only), so a one-off command reads only
    the rows it uses (Home Depot's are 84 MB). ``one_off``: loaded to answer one request (the
    search ranker then scores without importing LightGBM)."""
    name = models.resolve(version)
    directory = models.path(name)
    meta = json.loads((directory / "items.json").read_text())
    index = ItemIndex(meta["item_ids"], np.asarray(meta["known"], dtype=bool))
    embeddings_path = directory / "item_embeddings.npy"
    embeddings = (
        np.load(embeddings_path, mmap_mode="r" if mapped else None) if embeddings_path.exists() else None
    )
    return ServedModel(
        version=name,
        directory=directory,
        manifest=models.manifest(name),
        index=index,
        embeddings=embeddings,
        one_off=one_off,
    )
