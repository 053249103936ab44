"""A small SASRec (self-attentive next-item model) trained with full-softmax cross-entropy on CPU.

Kept short on purpose: causal transformer over the last ``max_length`` items, item embeddings
optionally warm-started from text (id embedding + a linear map of the item's text embedding, which
roughly halves the time to a given validation score). Fit has a wall-clock budget: phase one trains on
each sequence minus its last item and keeps the best epoch on that held-out item; phase two runs a
short pass over the full sequences so the served model has seen every interaction.
"""

from __future__ import annotations

import json
import math
import sys
import threading
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Self

import numpy as np
import torch
from torch import nn

from shelfwise.evaluation.sequences import rank_metrics
from shelfwise.retrieval.base import FitOptions, TrainingData
from shelfwise.retrieval.sasrec_config import SASRecConfig


class SASRecNetwork(nn.Module):
    def __init__(self, n_items: int, config: SASRecConfig, text_dim: int | None) -> None:
        super().__init__()
        self.n_items = n_items
        self.max_length = config.max_length
        self.ignore_padding = config.ignore_padding
        # Index 0 pads; item i lives at row i + 1.
        self.item_embedding = nn.Embedding(n_items + 1, config.hidden, padding_idx=0)
        self.text_projection = nn.Linear(text_dim, config.hidden, bias=False) if text_dim else None
        self.position_embedding = nn.Embedding(config.max_length, config.hidden)
        layer = nn.TransformerEncoderLayer(
            config.hidden, config.heads, config.hidden * 2, config.dropout, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, config.blocks, enable_nested_tensor=False)
        self.dropout = nn.Dropout(config.dropout)
        self.norm = nn.LayerNorm(config.hidden)
        nn.init.normal_(self.item_embedding.weight, std=0.02)
        self.register_buffer("text", torch.zeros(0), persistent=False)

    def item_table(self) -> torch.Tensor:
        table = self.item_embedding.weight
        if self.text_projection is not None and self.text.numel():
            table = table + nn.functional.pad(self.text_projection(self.text), (0, 0, 1, 0))
        return table

    def forward(self, inputs: torch.Tensor, table: torch.Tensor | None = None) -> torch.Tensor:
        """(batch, length) padded-left item rows → (batch, length, hidden) states. ``table``: the
        item table when the caller already holds it (serving computes it once, not per request)."""
        table = self.item_table() if table is None else table
        length = inputs.shape[1]
        positions = torch.arange(length, device=inputs.device)
        if self.ignore_padding:  # the newest item always at the last position
            positions = positions + (self.max_length - length)
        x = table[inputs] * math.sqrt(table.shape[1]) + self.position_embedding(positions)[None]
        x = self.dropout(x) * (inputs > 0).unsqueeze(-1)
        causal = torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1)
        if not self.ignore_padding:
            return self.norm(self.encoder(x, mask=causal))
        # True = may not attend: later items and padding; every position may attend to itself, so
        # padded positions (no real item before them) get finite states, which nothing reads.
        blocked = (causal[None] | (inputs == 0)[:, None, :]) & ~torch.eye(length, dtype=torch.bool)[None]
        heads = self.encoder.layers[0].self_attn.num_heads
        return self.norm(self.encoder(x, mask=blocked.repeat_interleave(heads, dim=0)))

    def logits(self, states: torch.Tensor, table: torch.Tensor | None = None) -> torch.Tensor:
        table = self.item_table() if table is None else table
        return states @ table[1:].T


# The tracer warns (here and inside torch's attention) that shapes become constants: intended, one
# trace per input length. A filter, not ``catch_warnings``, which is not thread-safe (the traces are
# made in a background thread); nothing else in Shelfwise traces.
warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)


class _Scorer(nn.Module):
    """What serving runs for one history — the network, its newest position's state, the logits —
    as one module, so that it can be traced (``SASRecModel._traced``)."""

    def __init__(self, network: SASRecNetwork) -> None:
        super().__init__()
        self.network = network

    def forward(self, inputs: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
        return self.network.logits(self.network(inputs, table)[:, -1], table)


def _left_pad(sequences: Sequence[np.ndarray], length: int) -> np.ndarray:
    out = np.zeros((len(sequences), length), dtype=np.int64)
    for row, seq in enumerate(sequences):
        tail = np.asarray(seq[-length:], dtype=np.int64) + 1
        if len(tail):
            out[row, length - len(tail) :] = tail
    return out


def length_batches(
    sequences: Sequence[np.ndarray], max_length: int, targets: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """One epoch's batches (row indices) of sequences of similar length, in random order.

    Random batches were padded to their longest sequence (~30 positions) while Beauty's average
    is ~8: three quarters of the transformer's work was padding. Sequences sorted by length (ties
    in random order) are cut into batches of about ``targets`` predicted positions each (the
    caller asks for a random batch's worth, so the number of steps stays the same)."""
    lengths = np.array([min(len(s), max_length + 1) - 1 for s in sequences], dtype=np.int64)
    order = np.lexsort((rng.random(len(sequences)), lengths))
    order = order[lengths[order] > 0]  # a single item predicts nothing
    ends = np.cumsum(lengths[order])
    cuts = np.searchsorted(ends, np.arange(targets, int(ends[-1]) if len(ends) else 0, targets), side="right")
    batches = [b for b in np.split(order, np.unique(cuts)) if len(b)]
    return [batches[i] for i in rng.permutation(len(batches))]


class SASRecModel:
    name = "sasrec"

    def __init__(self, config: SASRecConfig | None = None) -> None:
        self.config = config or SASRecConfig()
        self.network: SASRecNetwork | None = None
        self.n_items = 0
        self.text: np.ndarray | None = None
        self._optimizer: torch.optim.Optimizer | None = None
        # The item table (id embedding + Linear(text) of every item) as scoring sees it: a pure
        # function of the weights, so it is computed once after the weights last changed instead of
        # on every request (it was over a third of a served recommendation's time).
        self._table: torch.Tensor | None = None
        # The serving path for one history traced per input length (TorchScript): the same kernels
        # in the same order without Python's per-module dispatch, which was most of a request's
        # SASRec time. Dropped with the table whenever the weights change.
        self._traces: dict[int, torch.jit.ScriptModule] = {}
        # Held-out metrics after every epoch of the last fit (the training curve the dashboard plots).
        self.curves: dict[str, list[float]] = {}

    def _train_epoch(
        self,
        sequences: list[np.ndarray],
        optimizer: torch.optim.Optimizer,
        rng: np.random.Generator,
        deadline: float,
    ) -> bool:
        """One pass; returns False when the deadline cut it short."""
        assert self.network is not None
        cfg = self.config
        self._weights_changed()  # the weights change below
        self.network.train()
        if cfg.ignore_padding:
            # As many predicted positions per step as a random batch of batch_size sequences holds.
            targets = cfg.batch_size * sum(min(len(s), cfg.max_length + 1) - 1 for s in sequences)
            batches = length_batches(sequences, cfg.max_length, max(targets // len(sequences), 1), rng)
        else:
            order = rng.permutation(len(sequences))
            batches = [
                order[start : start + cfg.batch_size] for start in range(0, len(order), cfg.batch_size)
            ]
        for rows in batches:
            if time.monotonic() > deadline:
                return False
            batch = [sequences[i] for i in rows]
            longest = min(max(len(s) for s in batch), cfg.max_length + 1)
            padded = _left_pad(batch, longest)
            inputs = torch.from_numpy(padded[:, :-1])
            targets = torch.from_numpy(padded[:, 1:]) - 1  # -1 where padded
            states = self.network(inputs)
            keep = targets >= 0
            loss = nn.functional.cross_entropy(self.network.logits(states[keep]), targets[keep])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return True

    def fit(self, data: TrainingData, options: FitOptions | None = None) -> dict[str, float]:
        options = options or FitOptions()
        torch.set_num_threads(options.threads)
        torch.manual_seed(options.seed)
        rng = np.random.default_rng(options.seed)
        cfg = self.config
        started = time.monotonic()
        deadline = started + options.max_minutes * 60.0
        self.n_items = data.n_items
        self.text = None if data.item_embeddings is None else data.item_embeddings.astype(np.float32)
        self.network = SASRecNetwork(data.n_items, cfg, None if self.text is None else self.text.shape[1])
        if self.text is not None:
            self.network.text = torch.from_numpy(self.text)
        optimizer = torch.optim.Adam(self.network.parameters(), lr=cfg.learning_rate)

        usable = [s for s in data.sequences if len(s) >= 3]
        prefixes = [s[:-1] for s in usable] + [s for s in data.sequences if len(s) == 2]
        valid_ids = rng.permutation(len(usable))[: cfg.validation_users]
        valid_hist = [usable[i][:-1] for i in valid_ids]
        valid_targets = np.array([usable[i][-1] for i in valid_ids])
        # Leave time for the final pass over the full sequences.
        phase_one_deadline = started + options.max_minutes * 60.0 * 0.85
        best, best_state, stale, epochs = -1.0, None, 0, 0
        metrics: dict[str, float] = {}
        self.curves = {"valid_hr@10": [], "valid_ndcg@10": []}
        for epoch in range(cfg.max_epochs):
            finished = self._train_epoch(prefixes, optimizer, rng, phase_one_deadline)
            epochs = epoch + 1
            metrics_now = self._validate(valid_hist, valid_targets)
            for name, curve in self.curves.items():
                curve.append(metrics_now[name])
            if options.progress:
                print(
                    f"sasrec epoch {epochs} {metrics_now} {time.monotonic() - started:.0f}s",
                    file=sys.stderr,
                    flush=True,
                )
            if metrics_now["valid_ndcg@10"] > best:
                best, stale, metrics = metrics_now["valid_ndcg@10"], 0, metrics_now
                best_state = {k: v.clone() for k, v in self.network.state_dict().items()}
            else:
                stale += 1
            if not finished or stale >= cfg.patience:
                break
        if best_state is not None:
            self.network.load_state_dict(best_state)
            self._weights_changed()
        self._optimizer = optimizer
        metrics["epochs"] = float(epochs)
        if cfg.final_epochs:
            self.train_on_full_sequences(list(data.sequences), cfg.final_epochs, deadline, options.seed)
        metrics["fit_seconds"] = time.monotonic() - started
        return metrics

    def train_on_full_sequences(
        self, sequences: list[np.ndarray], epochs: int, deadline: float, seed: int = 0
    ) -> None:
        """A short pass at a lower rate over the full sequences, held-out items included."""
        if self.network is None or self._optimizer is None:
            raise RuntimeError("SASRecModel is not fitted")
        for group in self._optimizer.param_groups:
            group["lr"] = self.config.learning_rate * 0.3
        rng = np.random.default_rng(seed + 1)
        for _ in range(epochs):
            self._train_epoch(sequences, self._optimizer, rng, deadline)

    def _validate(self, histories: list[np.ndarray], targets: np.ndarray) -> dict[str, float]:
        if not histories:  # no sequence long enough to hold one item out: nothing to measure
            return {"valid_hr@10": 0.0, "valid_ndcg@10": 0.0}
        scores = self.score(histories).astype(np.float64)
        for row, hist in enumerate(histories):
            scores[row, hist] = -np.inf
        target_scores = scores[np.arange(len(targets)), targets]
        ranks = 1 + (scores > target_scores[:, None]).sum(1) + (scores == target_scores[:, None]).sum(1) - 1
        return {f"valid_{k}": v for k, v in rank_metrics(ranks).items()}

    @torch.no_grad()
    def score(self, histories: Sequence[np.ndarray], traced: bool = True) -> np.ndarray:
        """Next-item logits per history. One history (a request) goes through its length's trace
        (``traced=False``: the eager modules; the two are bit for bit equal)."""
        if self.network is None:
            raise RuntimeError("SASRecModel is not fitted")
        if self.network.training:  # eval() walks every submodule: not on every request
            self.network.eval()
        table = self.item_table()
        if len(histories) == 1 and traced:
            length = max(1, min(len(histories[0]), self.config.max_length))
            trace = self._traces.get(length)  # made by warm_traces (tracing here would stall a request)
            if trace is not None:
                inputs = torch.from_numpy(_left_pad(histories, length))
                return trace(inputs, table).numpy()
        out = np.zeros((len(histories), self.n_items), dtype=np.float32)
        for start in range(0, len(histories), 512):
            part = histories[start : start + 512]
            longest = max(1, min(max(len(h) for h in part), self.config.max_length))
            inputs = torch.from_numpy(_left_pad(part, longest))
            states = self.network(inputs, table)[:, -1]
            out[start : start + len(part)] = self.network.logits(states, table).numpy()
        return out

    @torch.no_grad()
    def warm_traces(self, stop: threading.Event | None = None) -> None:
        """Trace the one-history serving path for every input length, each run a few times so
        TorchScript has optimised it (a server's loader calls this in the background: one length
        costs 0.1–0.4 s, far too much for the first request of that length). Until a length is
        traced, ``score`` runs the eager modules. ``stop``: set to end early (the server stops
        or drops the model: a thread still tracing at exit would abort the process)."""
        network = self.network
        if network is None:
            return
        if network.training:
            network.eval()
        table = self.item_table()
        for length in range(1, self.config.max_length + 1):
            if self.network is not network or (stop is not None and stop.is_set()):
                return
            inputs = torch.ones((1, length), dtype=torch.int64)  # any items: the graph is the same
            trace = torch.jit.trace(_Scorer(network), (inputs, table), check_trace=False)
            for _ in range(3):
                trace(inputs, table)
            self._traces[length] = trace

    def _weights_changed(self) -> None:
        self._table = None
        self._traces = {}

    @torch.no_grad()
    def item_table(self) -> torch.Tensor:
        """The eval-mode item table, computed once per set of weights (see ``_table``)."""
        assert self.network is not None
        if self._table is None:
            self._table = self.network.item_table().detach()
        return self._table

    def save(self, directory: Path) -> None:
        if self.network is None:
            raise RuntimeError("SASRecModel is not fitted")
        directory.mkdir(parents=True, exist_ok=True)
        torch.save(self.network.state_dict(), directory / "sasrec.pt")
        if self.text is not None:
            np.save(directory / "sasrec_text.npy", self.text)
        meta = {"n_items": self.n_items, "config": asdict(self.config)}
        (directory / "sasrec.json").write_text(json.dumps(meta, indent=2))

    @classmethod
    def load(cls, directory: Path) -> Self:
        meta = json.loads((directory / "sasrec.json").read_text())
        # Models saved before ignore_padding existed were trained with items attending to padding.
        model = cls(SASRecConfig(**{"ignore_padding": False, **meta["config"]}))
        model.n_items = int(meta["n_items"])
        text_path = directory / "sasrec_text.npy"
        model.text = np.load(text_path) if text_path.exists() else None
        model.network = SASRecNetwork(
            model.n_items, model.config, None if model.text is None else model.text.shape[1]
        )
        if model.text is not None:
            model.network.text = torch.from_numpy(model.text)
        model.network.load_state_dict(torch.load(directory / "sasrec.pt", weights_only=True))
        return model
