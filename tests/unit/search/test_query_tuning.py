"""The query encoder fine-tuned on the search log, inside ``shelfwise train`` (real MiniLM).

Known answer: shoppers of this tiny shop call the kettle a "zorbly", a word no title contains and
the pretrained MiniLM has no reason to relate to a kettle. Trained on a log where "zorbly" is only
ever followed by the kettle, search must put the kettle first for "zorbly", and the pretrained
encoder must not (checked in the same test, so the test cannot pass by luck of the catalog).

One shop is trained once per module (fine-tuning + int8 export take about a minute on a loaded
core); the tests read that version.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from shelfwise.domain import Event, Item
from shelfwise.encoders.minilm import MODEL_NAME
from shelfwise.encoders.query_tuning import NAME_PREFIX, TunedQueryEncoder
from shelfwise.search.factory import QUERY_ENCODER_DIR, SEARCH_DIR, load_query_encoder
from shelfwise.service.context import ServiceContext
from shelfwise.service.lists import ListService
from shelfwise.settings import Settings
from shelfwise.training.job import TrainOptions, train

pytestmark = pytest.mark.slow

KETTLE = "kettle"
ITEMS = [
    Item(KETTLE, "Stainless Steel Electric Kettle 1.7 L"),
    Item("hose", "Garden Hose 50 ft"),
    Item("drill", "Cordless Drill Driver 20V"),
    Item("bulb", "LED Light Bulb 60W Soft White"),
    Item("fan", "Ceiling Fan with Remote"),
    Item("knob", "Satin Nickel Door Knob"),
    Item("paint", "Interior Paint Eggshell 1 gal"),
    Item("seat", "Round Toilet Seat"),
    Item("screws", "Wood Screws 2 in. 100-pack"),
    Item("rug", "Area Rug 5 ft x 7 ft"),
    Item("shower", "Chrome Rain Shower Head"),
    Item("mailbox", "Black Steel Mailbox"),
]
# (query, the product searchers engaged with after it): "zorbly" is the learned synonym; the others
# are ordinary queries that keep the batch's other products as negatives.
SEARCHES = [
    ("zorbly", KETTLE),
    ("garden hose", "hose"),
    ("drill", "drill"),
    ("light bulb", "bulb"),
    ("ceiling fan", "fan"),
    ("door knob", "knob"),
    ("wall paint", "paint"),
    ("toilet seat", "seat"),
    ("screws", "screws"),
    ("rug", "rug"),
    ("shower head", "shower"),
    ("mailbox", "mailbox"),
]
QUERY = "zorbly"


def _settings(home: Path, cache: Path, **search: object) -> Settings:
    return Settings(
        home=home,
        store_url="memory://",
        # The torch MiniLM (no ONNX build in the test); search fine-tunes only MiniLM.
        search={"encoder": "minilm", "refresh_seconds": 0, "tune_min_pairs": 4, **search},
        encoders={"cache_dir": cache, "english_backend": "torch"},
    )


def _log(sessions_per_query: int = 3) -> list[tuple[str, Event]]:
    events = []
    for n, (query, item) in enumerate(SEARCHES * sessions_per_query):
        for kind in ("impression", "click", "purchase"):
            events.append(
                Event(
                    user_id=f"u{n}",
                    item_id=item,
                    type=kind,
                    timestamp=1000.0 * n + len(events),
                    query=query,
                    session_id=f"s{n}",
                )
            )
    return [(f"e{n}", event) for n, event in enumerate(events)]


def _options() -> TrainOptions:
    # The recommender side is the fast transition model over hashed texts: only search is under test.
    return TrainOptions(seed=0, max_minutes=5, progress=False, encoder="fake", model="transitions")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[ServiceContext, list[str]]:
    """A shop with the "zorbly" log, trained once; and what search answered before training."""
    root = tmp_path_factory.mktemp("tuned-shop")
    ctx = ServiceContext(_settings(root / "home", root / "cache"))
    ctx.store.upsert_items(ITEMS)
    ctx.store.append_events(_log())
    before = [r.item_id for r in ListService(ctx).search(QUERY, k=len(ITEMS))]
    train(ctx.settings, ctx.store, _options())
    return ctx, before


def _rank(vectors: np.ndarray, query_vector: np.ndarray, row: int) -> int:
    scores = vectors @ query_vector
    return int((scores > scores[row]).sum())


def test_the_fine_tuned_encoder_learns_a_word_no_title_contains(
    trained: tuple[ServiceContext, list[str]],
) -> None:
    ctx, before = trained
    manifest = ctx.models.manifest(ctx.models.active_version())
    assert manifest.components["search_encoder"].startswith(NAME_PREFIX)
    assert manifest.metrics["query_tuning_mrr"] >= manifest.metrics["query_tuning_mrr_pretrained"]
    # Same item vectors, two query encoders: the pretrained one does not find the kettle first, the
    # fine-tuned one does.
    service = ListService(ctx)
    engine = service.search_source.engine()
    index = engine.index
    assert isinstance(index.query_encoder, TunedQueryEncoder)
    items = index.dense.vectors(np.arange(len(index)))  # type: ignore[union-attr]
    kettle = index.row_of[KETTLE]
    pretrained_rank = _rank(items, index.encoder.encode_batch([QUERY])[0], kettle)  # type: ignore[union-attr]
    tuned_rank = _rank(items, index.query_encoder.encode_batch([QUERY])[0], kettle)
    assert pretrained_rank > 0
    assert tuned_rank == 0
    # Search as served encodes queries with it (retrieval and the ranker's cosine both read
    # ``encode_query``); the log's own click counts also favour the kettle, so the vector is checked.
    served = index.encode_query(QUERY)
    assert served is not None
    np.testing.assert_allclose(served, index.query_encoder.encode_batch([QUERY])[0], atol=1e-6)
    assert before[0] != KETTLE
    assert service.search(QUERY, k=3)[0].item_id == KETTLE


def test_the_fine_tuned_encoder_survives_save_and_load(trained: tuple[ServiceContext, list[str]]) -> None:
    ctx, _ = trained
    version_dir = ctx.models.path(ctx.models.active_version())
    assert (version_dir / SEARCH_DIR / QUERY_ENCODER_DIR).is_dir()
    texts = [QUERY, "garden hose", "cordless drill 20v", "something never searched"]
    first = load_query_encoder(version_dir)
    again = load_query_encoder(version_dir)
    assert first is not None and again is not None
    assert first.name == again.name == ctx.models.manifest(version_dir.name).components["search_encoder"]
    vectors = first.encode_batch(texts)
    assert vectors.shape == (4, 384)
    np.testing.assert_allclose(vectors, again.encode_batch(texts), rtol=0, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # The int8 serving model is checked against the fine-tuned fp32 model at export.
    meta = json.loads((version_dir / SEARCH_DIR / QUERY_ENCODER_DIR / "query_encoder.json").read_text())
    assert meta["quality"]["mean_cosine"] >= 0.99
    assert meta["items_encoder"] == MODEL_NAME


def test_without_a_search_log_the_pretrained_encoder_is_recorded(tmp_path: Path) -> None:
    ctx = ServiceContext(_settings(tmp_path / "home", tmp_path / "cache"))
    ctx.store.upsert_items(ITEMS)
    plain = [
        (f"p{n}", Event(user_id=f"u{n % 3}", item_id=item.item_id, type="purchase", timestamp=float(n)))
        for n, item in enumerate(ITEMS)
    ]
    ctx.store.append_events(plain)
    train(ctx.settings, ctx.store, _options())
    version = ctx.models.active_version()
    manifest = ctx.models.manifest(version)
    assert manifest.components["search_encoder"] == MODEL_NAME  # the torch MiniLM, as configured
    assert not any(key.startswith("query_tuning") for key in manifest.metrics)
    assert load_query_encoder(ctx.models.path(version)) is None
    assert ListService(ctx).search_source.engine().index.query_encoder is None


def test_too_few_pairs_keep_the_pretrained_encoder(tmp_path: Path) -> None:
    ctx = ServiceContext(_settings(tmp_path / "home", tmp_path / "cache", tune_min_pairs=1000))
    ctx.store.upsert_items(ITEMS)
    ctx.store.append_events(_log(sessions_per_query=1))
    train(ctx.settings, ctx.store, _options())
    version = ctx.models.active_version()
    assert ctx.models.manifest(version).components["search_encoder"] == MODEL_NAME
    assert load_query_encoder(ctx.models.path(version)) is None
