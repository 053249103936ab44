"""Transition + text candidates re-ranked by a LightGBM lambdarank model: the default recommender.

Fit: hold out each sequence's last item, fit item statistics on what precedes it, build candidate
features from those histories and teach the ranker to put the held-out item first (a slice of users
is kept aside to early-stop and report validation metrics). Then refit the statistics on the full
sequences, so serving uses every interaction, and keep the ranker as trained.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Self

import numpy as np

from shelfwise.engine import Engine, LocalEngine
from shelfwise.evaluation.sequences import rank_metrics
from shelfwise.lgbm import import_lightgbm
from shelfwise.retrieval.base import Evidence, FitOptions, TrainingData
from shelfwise.retrieval.features import FEATURE_NAMES, CandidateConfig, ItemStatistics, build_candidates
from shelfwise.retrieval.ranker_rows import BoostLimits, RowContext, Rows, boost, rows_recent_first
from shelfwise.retrieval.sasrec_config import SASRecConfig
from shelfwise.retrieval.transitions import TransitionConfig, csr_values

if TYPE_CHECKING:  # torch: imported by a model that has a SASRec (fit or load below)
    from shelfwise.retrieval.sasrec import SASRecModel

# Items outside the candidate list keep the baseline order but sit far below every candidate.
OUTSIDE_CANDIDATES = -1.0e4
TIE_BREAK = 1.0e-4
MIN_NEURAL_SEQUENCES = 100  # sequences of 3+ items before a SASRec is worth training
# Of the budget, the time by which training rows stop being built (the rest: boosting, refits).
ROWS_SHARE = 0.75
# Of the time left for rows, the share the validation users may take (they are built first).
VALID_ROWS_SHARE = 0.25
# Validation users at most: 10 % of Beauty is 2,236, of the 10x generated shop 22,000 (whose rows
# and evaluation alone outlasted a small budget).
MAX_VALID_USERS = 5_000
# A fit with fewer minutes skips the SASRec and the behaviour adapter. At 2 minutes on the 1x
# generated shop (load 7) they took 34 of its 30 s and left the ranker no rows at all.
MIN_OPTIONAL_FIT_MINUTES = 3.0
REFIT_ROOM_S = 5.0  # besides a statistics fit's time: saving after boosting
NEURAL_FINAL_ROOM_S = 60.0  # validation and the SASRec's epoch on full sequences, after boosting


class StepTimer:
    """Seconds of each step of a fit, by name."""

    def __init__(self, started: float) -> None:
        self.mark = started
        self.seconds: dict[str, float] = {}

    def done(self, name: str) -> float:
        now = time.monotonic()
        self.seconds[f"{name}_seconds"] = now - self.mark
        self.mark = now
        return self.seconds[f"{name}_seconds"]


@dataclass
class RankerConfig:
    candidates: CandidateConfig = field(default_factory=CandidateConfig)
    baseline: TransitionConfig = field(default_factory=TransitionConfig)
    num_leaves: int = 31
    learning_rate: float = 0.05
    max_rounds: int = 600
    early_stopping_rounds: int = 40
    min_data_in_leaf: int = 50
    validation_share: float = 0.1
    batch_size: int = 512
    min_history: int = 1  # sequences need this many items before the held-out one to train on
    # Minutes for a SASRec whose scores become candidates and features (0 = transitions and text only;
    # at most half the training budget). On Amazon Beauty 5 minutes lifted test NDCG@10 0.0751 → 0.0789.
    # 3.5 since SASRec skips padding (5 epochs where 5 minutes did 5 before): Beauty 577 s, NDCG@10
    # 0.0822 (5 minutes: 604 s, 0.0826), Toys 475 s, 0.0897 (docs/performance.md).
    neural_minutes: float = 3.5
    extra_steps: int = 1  # also learn from the 2nd-, 3rd-, ... to-last items
    neural: SASRecConfig = field(default_factory=lambda: SASRecConfig(final_epochs=0))
    # Minutes for the behaviour adapter on the text embeddings (encoders/adapter.py), whose cosines
    # become two features (0 = off). Fitted on the sequences without their last item.
    adapter_minutes: float = 2.0


class CandidateRankerRecommender:
    """Learned re-ranking of transition and text-neighbour candidates."""

    name = "candidate_ranker"

    def __init__(self, config: RankerConfig | None = None) -> None:
        self.config = config or RankerConfig()
        self.n_items = 0
        self.stats: ItemStatistics | None = None
        self.embeddings: np.ndarray | None = None
        self.booster: object | None = None  # lightgbm.Booster; imported lazily
        self.neural: SASRecModel | None = None
        self.trending: np.ndarray | None = None  # time-decayed popularity for empty histories
        self.adapted: np.ndarray | None = None  # text embeddings after the behaviour adapter
        # Validation curves of the last fit, per SASRec epoch and per boosting round (for the dashboard).
        self.curves: dict[str, list[float]] = {}

    def warm_traces(self, stop: threading.Event | None = None) -> None:
        """Trace SASRec's one-history path (see ``SASRecModel.warm_traces``). A model without one
        loaded without torch: it is imported here, off start-up and off the request path (candidate
        selection takes its top-k; serving calls this a few seconds after the model is loaded)."""
        if self.neural is not None:
            self.neural.warm_traces(stop)
        else:
            import torch  # noqa: F401

    def _neural_scores(self, histories: Sequence[np.ndarray]) -> np.ndarray | None:
        return None if self.neural is None else self.neural.score(histories)

    # ----------------------------------------------------------------- fitting
    def _rows(
        self,
        stats: ItemStatistics,
        histories: list[np.ndarray],
        targets: np.ndarray,
        engine: Engine,
        neural_seen_targets: bool = False,
        until: float = float("inf"),
        recency: np.ndarray | None = None,
    ) -> Rows:
        """Feature rows of the users whose target is among the candidates, built per shard of users
        on ``engine`` (see ``candidate_rows``). ``until``: a ``time.monotonic()`` after which no
        further batch is built (the rows so far are kept), so a large shop's rows cannot eat the
        boosting's time and the job's deadline; with ``recency`` the most recent users go first."""
        # Shards may run in other processes (Ray), whose monotonic clocks differ: pass wall time.
        wall_until = time.time() + (until - time.monotonic()) if until != float("inf") else until
        context = RowContext(
            stats, self.embeddings, self.config.candidates, self.config.batch_size,
            self.neural, self.adapted, neural_seen_targets, wall_until,
        )  # fmt: skip
        return rows_recent_first(engine, context, histories, np.asarray(targets, dtype=np.int64), recency)

    def _fit_statistics(
        self, sequences: Sequence[np.ndarray], n_items: int, engine: Engine
    ) -> ItemStatistics:
        cfg = self.config
        return ItemStatistics.fit(sequences, n_items, cfg.baseline, cfg.candidates, engine)

    def fit(self, data: TrainingData, options: FitOptions | None = None) -> dict[str, float]:
        options = options or FitOptions()
        engine = options.engine or LocalEngine()
        started = time.monotonic()
        budget_end = started + options.max_minutes * 60.0
        steps = StepTimer(started)  # seconds of each step, kept with the metrics (the manifest)
        cfg = self.config
        self.n_items = data.n_items
        self.embeddings = None if data.item_embeddings is None else data.item_embeddings.astype(np.float32)
        self.trending = None if data.trending is None else data.trending.astype(np.float32)
        # On a short budget the statistics, rows and boosting come first: the SASRec and the
        # adapter (features the ranker can do without) would leave it no time to learn at all.
        optional = options.max_minutes >= MIN_OPTIONAL_FIT_MINUTES
        flags = {"neural_skipped": float(not optional)}
        self.neural, self.adapted = None, None
        if optional:
            self._fit_neural(data, options, started)
        steps.done("sasrec")
        if optional:
            self.adapted = self._fit_adapter(data, options)
        steps.done("adapter")
        usable_idx = np.array(
            [n for n, s in enumerate(data.sequences) if len(s) > cfg.min_history], dtype=np.int64
        )
        usable = [data.sequences[n] for n in usable_idx]
        recency = None if data.recency is None else data.recency[usable_idx]
        prefixes = [s[:-1] for s in usable]
        targets = np.array([s[-1] for s in usable], dtype=np.int64)
        # Statistics without the held-out items: the ranker learns on the situation it will serve in.
        held_out_stats = self._fit_statistics(
            [s[:-1] if len(s) > cfg.min_history else s for s in data.sequences], data.n_items, engine
        )
        # One statistics fit's cost: what the earlier-step rows and the final refit each need again.
        stats_s = steps.done("statistics")
        rng = np.random.default_rng(options.seed)
        is_valid = rng.random(len(usable)) < cfg.validation_share
        train_idx, valid_idx = np.flatnonzero(~is_valid), np.flatnonzero(is_valid)[:MAX_VALID_USERS]
        # Rows stop at a share of the budget (the last steps' first), leaving time to boost and refit.
        rows_until = min(started + ROWS_SHARE * options.max_minutes * 60.0, budget_end - stats_s)
        now = time.monotonic()
        valid_until = now + VALID_ROWS_SHARE * max(rows_until - now, 0.0)
        x_va, y_va, g_va, _ = self._rows(
            held_out_stats, [prefixes[i] for i in valid_idx], targets[valid_idx], engine, until=valid_until
        )
        # Most recent customers first only when the rows will not all fit by their deadline (at the
        # validation rows' pace): otherwise in the customers' order, the rows every fit built before.
        pace = (time.monotonic() - now) / max(len(valid_idx), 1)
        projected = pace * len(train_idx) * (1 + cfg.extra_steps)
        if time.monotonic() <= valid_until and projected < rows_until - time.monotonic():
            recency = None
        x_tr, y_tr, g_tr, _ = self._rows(
            held_out_stats, [prefixes[i] for i in train_idx], targets[train_idx], engine,
            until=rows_until, recency=None if recency is None else recency[train_idx],
        )  # fmt: skip
        flags["rows_cut"] = float(time.monotonic() > rows_until)
        # Earlier steps (second-to-last item, ...) multiply the training rows, when there is time to
        # count their statistics and still build rows.
        for back in range(2, 2 + cfg.extra_steps):
            if time.monotonic() + stats_s >= rows_until:
                flags["extra_steps_skipped"] = 1.0
                break
            step_stats = self._fit_statistics(
                [s[:-back] if len(s) > cfg.min_history + back - 1 else s for s in data.sequences],
                data.n_items,
                engine,
            )
            step_idx = [i for i in train_idx if len(usable[i]) > cfg.min_history + back - 1]
            x_step, y_step, g_step, _ = self._rows(
                step_stats, [usable[i][:-back] for i in step_idx], np.array([usable[i][-back] for i in step_idx]),
                engine, neural_seen_targets=True, until=rows_until,
                recency=None if recency is None else recency[step_idx],
            )  # fmt: skip
            x_tr, y_tr, g_tr = np.concatenate([x_tr, x_step]), np.concatenate([y_tr, y_step]), g_tr + g_step
        steps.done("rows")
        self._log(
            options, f"ranker rows: train {len(y_tr)} valid {len(y_va)} ({time.monotonic() - started:.0f}s)"
        )
        if not g_tr:
            # Nothing learnable (tiny or degenerate data, or no time): serve the transition baseline.
            self.booster = None
            self.stats = self._final_statistics(data, held_out_stats, stats_s, budget_end, engine, flags)
            return {"fit_seconds": time.monotonic() - started} | flags
        # After boosting: the refit on full sequences (a statistics fit), the validation, and the
        # SASRec's epoch on full sequences (the room the old fixed 60 s reserve left it).
        neural_room = NEURAL_FINAL_ROOM_S if self.neural is not None else 0.0
        self.booster, evaluations = boost(
            self._boost_params(options),
            (x_tr, y_tr, g_tr),
            (x_va, y_va, g_va),
            BoostLimits(
                cfg.max_rounds, cfg.early_stopping_rounds, budget_end - stats_s - REFIT_ROOM_S - neural_room
            ),
        )
        self.curves = self._curves(evaluations)
        steps.done("boosting")
        # Statistics over everything the customer base did, held-out items included, for serving:
        # counted first, so a short budget drops validation users rather than the refit.
        full_stats = self._final_statistics(data, held_out_stats, stats_s, budget_end, engine, flags)
        # Validation metrics on every held-aside user (a target outside the candidates is a miss),
        # scored before the SASRec sees their targets in its epoch on full sequences.
        self.stats = held_out_stats
        metrics = self._evaluate(
            [prefixes[i] for i in valid_idx], targets[valid_idx], until=budget_end - neural_room
        )
        metrics["rounds"] = float(self.booster.best_iteration or self.booster.current_iteration())  # type: ignore[attr-defined]
        # Rounds boosted (the booster keeps only those up to its best).
        metrics["rounds_run"] = float(len(next(iter(next(iter(evaluations.values()), {}).values()), [])))
        steps.done("validation")
        self.stats = full_stats
        if self.neural is not None and time.monotonic() < budget_end:
            final_until = min(time.monotonic() + 120.0, budget_end)
            self.neural.train_on_full_sequences(list(data.sequences), 1, final_until, options.seed)
        steps.done("refit")
        metrics.update(steps.seconds)
        metrics.update(flags)
        metrics["fit_seconds"] = time.monotonic() - started
        self._log(options, f"ranker fitted: {metrics}")
        return metrics

    def _final_statistics(
        self,
        data: TrainingData,
        held_out: ItemStatistics,
        stats_s: float,
        budget_end: float,
        engine: Engine,
        flags: dict[str, float],
    ) -> ItemStatistics:
        """Statistics over the full sequences when a refit still fits the budget; otherwise the
        held-out ones (every customer but their last item: still a real model)."""
        if time.monotonic() + stats_s > budget_end:
            flags["refit_skipped"] = 1.0
            return held_out
        return self._fit_statistics(data.sequences, data.n_items, engine)

    def _fit_neural(self, data: TrainingData, options: FitOptions, started: float) -> None:
        cfg = self.config
        # A sequence model needs sequences to learn order from; on a tiny store it would only add noise.
        long_enough = sum(1 for s in data.sequences if len(s) >= 3)
        if cfg.neural_minutes <= 0 or long_enough < MIN_NEURAL_SEQUENCES:
            return
        # Phase one of SASRec trains on every sequence minus its last item: the ranker's prefixes.
        from shelfwise.retrieval.sasrec import SASRecModel  # torch: only when a SASRec is fitted

        self.neural = SASRecModel(replace(cfg.neural, final_epochs=0))
        # At most half the budget, so the ranker still has time to learn from its scores.
        neural_minutes = min(cfg.neural_minutes, 0.5 * options.max_minutes)
        neural_options = FitOptions(options.seed, neural_minutes, options.threads, options.progress)
        neural_metrics = self.neural.fit(data, neural_options)
        self._log(options, f"sasrec: {neural_metrics} ({time.monotonic() - started:.0f}s)")

    def _boost_params(self, options: FitOptions) -> dict[str, object]:
        cfg = self.config
        return {
            "objective": "lambdarank",
            "metric": "ndcg",
            "eval_at": [10],
            "lambdarank_truncation_level": 20,
            "num_leaves": cfg.num_leaves,
            "learning_rate": cfg.learning_rate,
            "min_data_in_leaf": cfg.min_data_in_leaf,
            "feature_fraction": 0.9,
            "bagging_fraction": 0.8,
            "bagging_freq": 1,
            "num_threads": options.threads,
            "seed": options.seed,
            "deterministic": True,
            "verbosity": -1,
        }

    def _curves(self, evaluations: dict[str, dict[str, list[float]]]) -> dict[str, list[float]]:
        curves = {
            f"sasrec {name} per epoch": list(c)
            for name, c in (self.neural.curves if self.neural else {}).items()
        }
        for metric, values in next(iter(evaluations.values()), {}).items():
            curves[f"ranker valid_{metric} per round"] = [float(v) for v in values]
        return curves

    def feature_importances(self) -> dict[str, float]:
        """Total gain of each feature's splits in the fitted ranker ({} when it serves the baseline)."""
        if self.booster is None:
            return {}
        gains = self.booster.feature_importance(importance_type="gain")  # type: ignore[attr-defined]
        return {name: float(gain) for name, gain in zip(FEATURE_NAMES, gains, strict=True)}

    def _fit_adapter(self, data: TrainingData, options: FitOptions) -> np.ndarray | None:
        """Text embeddings moved by behaviour (items engaged one after the other end up close)."""
        if self.embeddings is None or self.config.adapter_minutes <= 0:
            return None
        from shelfwise.encoders.adapter import consecutive_pairs, fit_adapter

        # Without each sequence's last item: the ranker's targets must stay unseen by its features.
        prefixes = [s[:-1] for s in data.sequences if len(s) > 2]
        if len(consecutive_pairs(prefixes)) < MIN_NEURAL_SEQUENCES:
            return None
        minutes = min(self.config.adapter_minutes, 0.2 * options.max_minutes)
        adapter = fit_adapter(self.embeddings, prefixes, seed=options.seed, max_minutes=minutes)
        self._log(options, f"adapter: {adapter.history[-1]}")
        return adapter.transform(self.embeddings).astype(np.float32)

    def _evaluate(
        self, histories: list[np.ndarray], targets: np.ndarray, until: float = float("inf")
    ) -> dict[str, float]:
        """Validation metrics of the held-aside users; batches stop at ``until`` (a
        ``time.monotonic()``), the first one always runs, so a short budget still reports a figure
        (over fewer users: ``valid_users``)."""
        if not histories:
            return {}
        ranks = []
        for start in range(0, len(histories), self.config.batch_size):
            if ranks and time.monotonic() > until:
                break
            part = histories[start : start + self.config.batch_size]
            scores = self.score(part).astype(np.float64)
            for row, hist in enumerate(part):
                scores[row, hist] = -np.inf
            target_scores = scores[np.arange(len(part)), targets[start : start + len(part)]]
            ranks.append(
                1 + (scores > target_scores[:, None]).sum(1) + (scores == target_scores[:, None]).sum(1) - 1
            )
        ranked = np.concatenate(ranks)
        return {f"valid_{k}": v for k, v in rank_metrics(ranked).items()} | {
            "valid_users": float(len(ranked))
        }

    @staticmethod
    def _log(options: FitOptions, message: str) -> None:
        if options.progress:
            # Progress is for the person watching; stdout stays the command's answer (--json).
            print(message, file=sys.stderr, flush=True)

    # ----------------------------------------------------------------- serving
    def score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        if self.stats is None:
            raise RuntimeError("CandidateRankerRecommender is not fitted")
        histories = [np.asarray(h, dtype=np.int64) for h in histories]
        out = np.empty((len(histories), self.n_items), dtype=np.float32)
        with_history = [i for i, h in enumerate(histories) if len(h)]
        if len(with_history) < len(histories):  # a request with a history does not need it
            popular = self._popular()
            for i, h in enumerate(histories):
                if not len(h):
                    out[i] = popular  # nothing to go on: what shoppers engage with lately
        for start in range(0, len(with_history), self.config.batch_size):
            rows = with_history[start : start + self.config.batch_size]
            part = [histories[i] for i in rows]
            batch = build_candidates(
                self.stats,
                self.embeddings,
                part,
                self.config.candidates,
                self._neural_scores(part),
                self.adapted,
                self._embeddings_t(),
            )
            n_cand = batch.candidates.shape[1]
            # The baseline share breaks ties the trees leave (e.g. a ranker trained on little data).
            ranked = TIE_BREAK * batch.features[:, :, FEATURE_NAMES.index("baseline_share")]
            if self.booster is not None:
                ranked = ranked + self.booster.predict(  # type: ignore[attr-defined]
                    batch.features.reshape(-1, len(FEATURE_NAMES)), num_threads=1
                ).reshape(len(rows), n_cand)
            scores = OUTSIDE_CANDIDATES + batch.baseline_scores
            np.put_along_axis(scores, batch.candidates, ranked.astype(np.float32), axis=1)
            out[rows] = scores
        return out

    def _embeddings_t(self) -> np.ndarray | None:
        """The text embeddings transposed and contiguous (see ``build_candidates``), kept for as
        long as ``embeddings`` is the same array (one copy per served model, not per request)."""
        if self.embeddings is None:
            return None
        kept = self.__dict__.get("_transposed")
        if kept is None or kept[0] is not self.embeddings:
            kept = (self.embeddings, np.ascontiguousarray(self.embeddings.T))
            self.__dict__["_transposed"] = kept
        return kept[1]

    def _popular(self) -> np.ndarray:
        """Trending (time-decayed) when training saw timestamps; all-time counts otherwise."""
        assert self.stats is not None
        counts = self.stats.counts / max(float(self.stats.counts.max()), 1.0)
        if self.trending is None:
            return counts
        return self.trending + TIE_BREAK * counts  # counts only order items equally trending

    def explain(self, history: np.ndarray, item: int, top: int = 3) -> list[Evidence]:
        """The history items that most support ``item``: bought-next transitions, then similar text."""
        return self.explain_many(history, [item], top)[0]

    def explain_many(self, history: np.ndarray, items: Sequence[int], top: int = 3) -> list[list[Evidence]]:
        """``explain`` of several items for one history: the transition and follow counts of every
        (recent item, item) pair are read in one pass over the recent items' rows."""
        if self.stats is None:
            raise RuntimeError("CandidateRankerRecommender is not fitted")
        recent = [int(x) for x in np.asarray(history)[-20:]][::-1]
        follows = self.stats.follows
        weights = csr_values(self.stats.baseline.transitions, recent, items)  # type: ignore[arg-type]
        counts = csr_values(follows, recent, items) if follows is not None else None
        vectors = self.embeddings[recent] if self.embeddings is not None and recent else None
        # Older items weigh less (halved per step back, at most 10 times); the same float64
        # products as weighting each pair in turn, and only the pairs with weight are visited.
        weighted = weights * 0.5 ** np.minimum(np.arange(len(recent), dtype=np.float64), 10.0)[:, None]
        out = []
        for column, item in enumerate(items):
            evidence: list[Evidence] = []
            for back in np.flatnonzero(weighted[:, column] > 0).tolist():
                count = int(counts[back, column]) if counts is not None else None
                weight = float(weighted[back, column])
                evidence.append(Evidence(item, "transition", recent[back], weight, count=count or None))
            if vectors is not None:
                sims = vectors @ self.embeddings[item]  # type: ignore[index]
                best = int(np.argmax(sims))
                evidence.append(Evidence(item, "similar_text", recent[best], float(sims[best])))
            if not evidence and not len(history):
                # Only a customer with no history gets the popularity fact: for anyone else it is
                # not why the item was chosen.
                popular = self._popular()
                rank = int((popular > popular[item]).sum()) + 1
                source = "trending" if self.trending is not None else "popular"
                evidence.append(Evidence(item, source, None, float(popular[item]), count=rank))
            evidence.sort(key=lambda e: (e.source != "transition", -e.weight))
            out.append(evidence[:top])
        return out

    # ------------------------------------------------------------- persistence
    def save(self, directory: Path) -> None:
        if self.stats is None:
            raise RuntimeError("CandidateRankerRecommender is not fitted")
        directory.mkdir(parents=True, exist_ok=True)
        self.stats.save(directory / "statistics")
        if self.booster is not None:
            self.booster.save_model(str(directory / "ranker.txt"))  # type: ignore[attr-defined]
        if self.embeddings is not None:
            np.save(directory / "item_embeddings.npy", self.embeddings)
        if self.neural is not None:
            self.neural.save(directory / "sasrec")
        if self.trending is not None:
            np.save(directory / "trending.npy", self.trending)
        if self.adapted is not None:
            np.save(directory / "adapted_embeddings.npy", self.adapted)
        meta = {"n_items": self.n_items, "config": asdict(self.config)}
        (directory / "candidate_ranker.json").write_text(json.dumps(meta, indent=2))

    @classmethod
    def load(cls, directory: Path) -> Self:
        lightgbm = import_lightgbm()

        meta = json.loads((directory / "candidate_ranker.json").read_text())
        raw = meta["config"]
        config = RankerConfig(
            **{k: v for k, v in raw.items() if k not in ("candidates", "baseline", "neural")},
            candidates=CandidateConfig(**raw["candidates"]),
            baseline=TransitionConfig(**raw["baseline"]),
            neural=SASRecConfig(**raw["neural"]),
        )
        model = cls(config)
        model.n_items = int(meta["n_items"])
        model.stats = ItemStatistics.load(directory / "statistics")
        booster_path = directory / "ranker.txt"
        model.booster = lightgbm.Booster(model_file=str(booster_path)) if booster_path.exists() else None
        embeddings_path = directory / "item_embeddings.npy"
        model.embeddings = np.load(embeddings_path) if embeddings_path.exists() else None
        model.neural = None
        if (directory / "sasrec").is_dir():  # torch is imported only for a model that has one
            from shelfwise.retrieval.sasrec import SASRecModel

            model.neural = SASRecModel.load(directory / "sasrec")
        adapted_path = directory / "adapted_embeddings.npy"
        model.adapted = np.load(adapted_path) if adapted_path.exists() else None
        trending_path = directory / "trending.npy"
        model.trending = np.load(trending_path) if trending_path.exists() else None
        return model
