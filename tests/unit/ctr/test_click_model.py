"""The click model on logs whose answers are known (see ``ctr_logs``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ctr_logs import click_log, log_of, space

from shelfwise.ctr import ClickModel, RecentItems, ece, fit_click_model
from shelfwise.ctr.calibration import Platt, auc, ece_noise_floor
from shelfwise.ctr.sweep import sweep

ITEMS = [f"i{n}" for n in range(10)]
# One slot per list: what is shown is what is judged, so the true click rate is the item's own.
TRUE_RATE = {item: rate for item, rate in zip(ITEMS, np.linspace(0.02, 0.3, len(ITEMS)), strict=True)}


def one_slot(rng: np.random.Generator) -> list[str]:
    return [ITEMS[int(rng.integers(len(ITEMS)))]]


def test_auc_and_ece_have_known_values() -> None:
    assert auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.3, 0.4])) == 1.0
    assert auc(np.array([0, 1, 0, 1]), np.array([0.5, 0.5, 0.5, 0.5])) == 0.5
    # Predicting 0.5 where half click is calibrated; predicting 0.9 there is off by 0.4.
    labels = np.array([0, 1] * 50)
    assert ece(labels, np.full(100, 0.5)) == pytest.approx(0.0)
    assert ece(labels, np.full(100, 0.9)) == pytest.approx(0.4)


def test_the_ece_noise_floor_is_the_binomial_spread_of_the_bins() -> None:
    # 1,000 predictions of 0.5 in 10 bins of 100: each bin's rate strays by sd 0.05, and the mean
    # absolute value of that is 0.05 · sqrt(2 / pi) = 0.0399.
    assert ece_noise_floor(np.full(1000, 0.5), draws=400) == pytest.approx(0.0399, abs=0.003)
    # Ten times the impressions: a third of the floor (1 / sqrt(10)).
    assert ece_noise_floor(np.full(10_000, 0.5), draws=400) == pytest.approx(0.0126, abs=0.001)
    assert ece_noise_floor(np.full(1000, 1.0)) == 0.0  # certain outcomes do not stray


def test_platt_scaling_recovers_a_known_distortion() -> None:
    """Scores whose true click probability is sigmoid(2 · logit(score) − 1): the fit finds 2 and −1."""
    rng = np.random.default_rng(0)
    raw = rng.uniform(0.05, 0.6, 50_000)
    logit = np.log(raw / (1 - raw))
    labels = rng.random(len(raw)) < 1 / (1 + np.exp(-(2 * logit - 1)))
    fitted = Platt.fit(raw, labels)
    assert fitted.a == pytest.approx(2.0, abs=0.1)
    assert fitted.b == pytest.approx(-1.0, abs=0.1)
    assert ece(labels, fitted(raw)) < 0.01


def test_the_calibration_prior_yields_to_strong_evidence_and_resists_a_lucky_slice() -> None:
    rng = np.random.default_rng(3)
    # Strong evidence: 200,000 scores whose truth is sigmoid(2 · logit − 1) are fixed despite the prior.
    raw = rng.uniform(0.05, 0.6, 200_000)
    logit = np.log(raw / (1 - raw))
    labels = rng.random(len(raw)) < 1 / (1 + np.exp(-(2 * logit - 1)))
    assert ece(labels, raw) > 0.05
    assert ece(labels, Platt.fit(raw, labels, prior=1000.0)(raw)) < 0.01
    # Calibrated scores (truth = score) and a small slice whose clicks ran 4 points low by chance:
    # plain Platt follows the slice, the prior keeps most of the truth.
    truth = rng.uniform(0.5, 0.9, 2000)
    lucky = rng.random(len(truth)) < truth - 0.04
    fresh = rng.uniform(0.5, 0.9, 200_000)
    fresh_labels = rng.random(len(fresh)) < fresh
    plain, shrunk = Platt.fit(truth, lucky), Platt.fit(truth, lucky, prior=1000.0)
    assert ece(fresh_labels, plain(fresh)) > 0.03
    assert ece(fresh_labels, shrunk(fresh)) < 0.02


def test_predicted_click_rates_match_the_true_ones() -> None:
    """Calibration: "3 %" means 3 % — per item, and over fresh impressions (ECE)."""
    examples = click_log(TRUE_RATE, [1.0], one_slot, 20000, seed=1)
    model = fit_click_model(log_of(examples, ITEMS), seed=0)
    assert model is not None
    ctr, _ = model.score(ITEMS, "home", RecentItems(), space(ITEMS))
    truth = np.array([TRUE_RATE[i] for i in ITEMS])
    assert np.abs(ctr - truth).max() < 0.05
    fresh = click_log(TRUE_RATE, [1.0], one_slot, 40_000, seed=2, start=1e7)
    predicted, _ = model.score([e.item_id for e in fresh], "home", RecentItems(), space(ITEMS))
    labels = np.array([e.clicked for e in fresh])
    assert ece(labels, predicted) < 0.02
    assert auc(labels, predicted) > 0.6


def test_a_position_biased_log_does_not_teach_that_the_top_slot_is_good() -> None:
    """The old ranking put "top" first nine times in ten and "good" fourth; shoppers mostly click
    the first slot whatever it holds. Raw click-through says "top" is better; it is not."""
    attract = {"top": 0.25, "good": 0.6, **{f"o{n}": 0.1 + 0.04 * n for n in range(8)}}
    others = [f"o{n}" for n in range(8)]
    examine = [1.0, 0.3, 0.2, 0.15, 0.1]

    def policy(rng: np.random.Generator) -> list[str]:
        rotating = [others[i] for i in rng.permutation(len(others))[:3]]
        if rng.random() < 0.9:
            return ["top", *rotating[:2], "good", rotating[2]]
        return [*rotating[:2], "good", rotating[2], "top"]

    items = list(attract)
    examples = click_log(attract, examine, policy, 6000, seed=3)
    log = log_of(examples, items)
    stats = sweep(log.examples, [], log.space, {"home": 0}).stats
    assert stats.ctr("top") > 2 * stats.ctr("good")  # the trap: the raw rates point the wrong way
    model = fit_click_model(log, seed=0)
    assert model is not None
    ctr, _ = model.score(items, "home", RecentItems(), log.space)
    predicted = dict(zip(items, ctr, strict=True))
    assert max(predicted, key=predicted.__getitem__) == "good"  # the most attractive item comes first
    assert predicted["good"] > predicted["top"]


def test_a_saved_model_loads_with_the_same_scores(tmp_path: Path) -> None:
    examples = click_log(TRUE_RATE, [1.0], one_slot, 3000, seed=4)
    model = fit_click_model(log_of(examples, ITEMS), seed=0)
    assert model is not None
    model.save(tmp_path / "ctr")
    loaded = ClickModel.load(tmp_path / "ctr")
    history = RecentItems(["i1", "i2"])
    before = model.score(ITEMS, "home", history, space(ITEMS))
    after = loaded.score(ITEMS, "home", history, space(ITEMS))
    np.testing.assert_allclose(before[0], after[0])
    np.testing.assert_allclose(before[1], after[1])


def test_too_few_impressions_fit_no_model() -> None:
    examples = click_log(TRUE_RATE, [1.0], one_slot, 100, seed=5)
    assert fit_click_model(log_of(examples, ITEMS)) is None


def _old_model(tmp_path: Path, features: list[str]) -> tuple[Path, np.ndarray, np.ndarray]:
    """A click model saved by an older Shelfwise: trained and saved on ``features`` only.
    Returns its folder, today's feature rows of the log and the columns it was trained on."""
    import json

    import lightgbm

    from shelfwise.ctr.features import FEATURE_NAMES

    examples = click_log(TRUE_RATE, [1.0], one_slot, 3000, seed=6)
    log = log_of(examples, ITEMS)
    model = fit_click_model(log, seed=0)
    assert model is not None
    model.save(tmp_path / "ctr")
    rows = sweep(log.examples, log.engagements, log.space, log.placements()).features
    clicked = np.array([e.clicked for e in examples], dtype=np.float32)
    columns = np.array([FEATURE_NAMES.index(f) for f in features if f in FEATURE_NAMES])
    train = rows[:, columns] if len(columns) == len(features) else rows
    booster = lightgbm.train(
        {"objective": "binary", "verbose": -1, "num_threads": 1}, lightgbm.Dataset(train, clicked), 20
    )
    booster.save_model(str(tmp_path / "ctr" / "click.txt"))
    meta = json.loads((tmp_path / "ctr" / "ctr.json").read_text())
    meta.update(features=features, conversion_calibration=None)
    (tmp_path / "ctr" / "ctr.json").write_text(json.dumps(meta))
    return tmp_path / "ctr", rows, columns


def test_a_model_saved_before_a_feature_existed_is_served_on_its_own_columns(tmp_path: Path) -> None:
    from shelfwise.ctr.features import FEATURE_NAMES

    older = [name for name in FEATURE_NAMES if name != "source_rank"]
    folder, rows, columns = _old_model(tmp_path, older)
    loaded = ClickModel.load(folder)
    expected = loaded.click.calibration(loaded.click.booster.predict(rows[:, columns]))
    np.testing.assert_allclose(loaded.predict(rows)[0], expected)
    assert not loaded.knows_source_rank  # and so it ranks as it did before the feature existed


def test_a_model_using_a_feature_that_no_longer_exists_asks_for_a_train(tmp_path: Path) -> None:
    from shelfwise.ctr.features import FEATURE_NAMES
    from shelfwise.errors import ModelError

    folder, _, _ = _old_model(tmp_path, [*FEATURE_NAMES, "retired_feature"])
    with pytest.raises(ModelError, match="retired_feature"):
        ClickModel.load(folder)
