"""RecBole 1.2.1's SASRec (full-softmax cross-entropy) on our leave-one-out split, scored with our protocol.

Runs in its own venv (``make bench-peer`` builds ``.venv-peer/``) so RecBole's pins never touch the
runtime one; ``benchmarks/seqrec.py`` calls it as a subprocess and reads the JSON line it prints last:

    OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE .venv-peer/bin/python benchmarks/peer_recbole.py \\
        [--dataset beauty|toys] [--max-minutes 10]

Our sequences are written as RecBole atomic files (timestamp = position) in a temp dir, RecBole splits
them leave-one-out itself (``LS: valid_and_test``, time order), trains on every sequence minus its last
two items and keeps the epoch with the best validation NDCG@10. Training stops at the wall-clock cap,
mid-epoch if need be, like our SASRec. The test score is ours, not RecBole's: every user's sequence
minus its last item goes through ``full_sort_predict``, history items are masked (RecBole does not mask
them for sequential models) and ties count against the target (``shelfwise.evaluation.sequences``).

RecBole 1.2.1 predates numpy 2 and torch 2.6, so two shims are applied here at run time (never in
site-packages): ``np.float_``, ``np.complex_`` and ``np.unicode_`` are restored before RecBole is
imported, and ``torch.load`` defaults to ``weights_only=False`` because RecBole's checkpoints pickle its
Config. pandas is pinned < 3 in the venv instead (RecBole's in-place ``fillna`` on a column no longer
writes through on pandas 3). ``train_s`` includes RecBole's per-epoch validation.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import json
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

# numpy 2 removed these aliases; RecBole's Config.compatibility_settings reads them. Restore them
# before RecBole loads.
for alias, dtype in (("float_", np.float64), ("complex_", np.complex128), ("unicode_", np.str_)):
    if alias not in np.__dict__:
        setattr(np, alias, dtype)

import torch  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
# Only the metrics module (numpy alone) is used from shelfwise, so the peer venv needs no install of it.
sys.path.insert(0, str(REPO / "src"))
from shelfwise.evaluation.sequences import leave_last_two_out, masked_target_ranks, rank_metrics  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "amazon2014_seqrec"
SEQUENCE_FILES = {"beauty": "beauty/s3rec_Beauty.txt.gz", "toys": "toys/p5_sequential.txt.gz"}
DATASET_NAME = "shelfwise_split"


def patch_torch_load() -> None:
    """torch ≥ 2.6 loads weights only by default; RecBole's checkpoints hold a pickled Config."""
    # A keyword given by the caller still overrides the partial's default.
    torch.load = functools.partial(torch.load, weights_only=False)  # type: ignore[assignment]


def load_sequences(dataset: str) -> list[np.ndarray]:
    """Same reading as benchmarks/seqrec.py: 1-based ids → dense 0-based sequences."""
    sequences = []
    with gzip.open(DATA / SEQUENCE_FILES[dataset], "rt") as handle:
        for line in handle:
            parts = line.split()
            sequences.append(np.array([int(x) - 1 for x in parts[1:]], dtype=np.int32))
    return sequences


def write_atomic_files(sequences: Sequence[np.ndarray], directory: Path) -> None:
    """``.inter`` with one row per interaction; the position is the timestamp RecBole orders by."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / f"{DATASET_NAME}.inter", "w") as handle:
        handle.write("user_id:token\titem_id:token\ttimestamp:float\n")
        for user, sequence in enumerate(sequences):
            for position, item in enumerate(sequence):
                handle.write(f"{user}\t{item}\t{position}\n")


def recbole_config(args: argparse.Namespace, data_path: Path) -> dict[str, object]:
    return {
        "data_path": str(data_path),
        "checkpoint_dir": str(data_path / "checkpoints"),
        "USER_ID_FIELD": "user_id",
        "ITEM_ID_FIELD": "item_id",
        "TIME_FIELD": "timestamp",
        "load_col": {"inter": ["user_id", "item_id", "timestamp"]},
        "MAX_ITEM_LIST_LENGTH": args.max_length,
        "eval_args": {"split": {"LS": "valid_and_test"}, "order": "TO", "mode": "full", "group_by": "user"},
        "loss_type": "CE",
        "train_neg_sample_args": None,  # CE is a full softmax over all items: no sampled negatives
        "hidden_dropout_prob": args.dropout,
        "attn_dropout_prob": args.dropout,
        "learning_rate": args.learning_rate,
        "train_batch_size": args.batch_size,
        "eval_batch_size": 1024,
        "epochs": 1000,  # the wall-clock cap ends training, not the epoch count
        "stopping_step": args.patience,
        "eval_step": 1,
        "metrics": ["Hit", "NDCG"],
        "topk": [10],
        "valid_metric": "NDCG@10",
        "device": "cpu",
        "use_gpu": False,
        "worker": 0,
        "seed": args.seed,
        "reproducibility": True,
        "show_progress": False,
        "save_dataset": False,
        "save_dataloaders": False,
        "log_wandb": False,
    }


class DeadlineReached(Exception):
    """Raised from the end-of-epoch callback once the wall-clock cap has passed."""


def train_with_deadline(
    config: object, model: object, train_data: object, valid_data: object, deadline: float
) -> tuple[float, float]:
    """RecBole's Trainer, cut mid-epoch at ``deadline``; returns (epochs run, best validation NDCG@10)."""
    from recbole.trainer import Trainer

    class DeadlineTrainer(Trainer):
        """Stops drawing batches at the deadline; the epoch is still validated (and checkpointed if best)."""

        epochs_run = 0.0

        def _train_epoch(self, train_data, epoch_idx, loss_func=None, show_progress=False):  # type: ignore[no-untyped-def]
            total_batches = len(train_data)
            done = 0

            def until_deadline():  # type: ignore[no-untyped-def]
                nonlocal done
                for batch in train_data:
                    if time.monotonic() > deadline:
                        return
                    done += 1
                    yield batch

            class Batches:
                """What Trainer._train_epoch iterates: len() for its bookkeeping, batches until the deadline."""

                shuffle = train_data.shuffle
                sampler = getattr(train_data, "sampler", None)

                def __len__(self) -> int:
                    return total_batches

                def __iter__(self):  # type: ignore[no-untyped-def]
                    return until_deadline()

            loss = super()._train_epoch(Batches(), epoch_idx, loss_func, show_progress)
            self.epochs_run += done / max(total_batches, 1)
            return 0.0 if loss is None else loss

    def stop_at_deadline(epoch_idx: int, valid_score: float) -> None:
        print(f"recbole epoch {epoch_idx} valid ndcg@10 {valid_score:.4f}", file=sys.stderr, flush=True)
        if time.monotonic() > deadline:
            raise DeadlineReached

    trainer = DeadlineTrainer(config, model)
    with contextlib.suppress(DeadlineReached):
        trainer.fit(train_data, valid_data, verbose=False, saved=True, callback_fn=stop_at_deadline)
    if os.path.exists(trainer.saved_model_file):
        # The best validation epoch, as RecBole itself would test it.
        checkpoint = torch.load(trainer.saved_model_file, map_location="cpu")
        model.load_state_dict(checkpoint["state_dict"])  # type: ignore[attr-defined]
    return trainer.epochs_run, float(trainer.best_valid_score)


def score_test(
    model: object,
    dataset: object,
    histories: Sequence[np.ndarray],
    targets: np.ndarray,
    n_items: int,
    max_length: int,
) -> dict[str, float]:
    """Our protocol: all ``n_items`` scored, history masked, ties against the target."""
    from recbole.data.interaction import Interaction

    # RecBole renumbers items (0 pads); column ``internal[i]`` of its scores is our item i.
    token_to_id = dataset.field2token_id["item_id"]  # type: ignore[attr-defined]
    internal = np.array([token_to_id[str(i)] for i in range(n_items)], dtype=np.int64)
    model.eval()  # type: ignore[attr-defined]
    ranks = []
    with torch.no_grad():
        for start in range(0, len(histories), 1024):
            batch = histories[start : start + 1024]
            recent = [internal[h[-max_length:]] for h in batch]
            items = np.zeros((len(batch), max_length), dtype=np.int64)  # RecBole pads on the right
            for row, sequence in enumerate(recent):
                items[row, : len(sequence)] = sequence
            interaction = Interaction(
                {
                    "item_id_list": torch.from_numpy(items),
                    "item_length": torch.tensor([len(s) for s in recent], dtype=torch.int64),
                }
            )
            scores = model.full_sort_predict(interaction).numpy()  # type: ignore[attr-defined]
            ranks.append(masked_target_ranks(scores[:, internal], batch, targets[start : start + 1024]))
    return rank_metrics(np.concatenate(ranks), 10)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", choices=sorted(SEQUENCE_FILES), default="beauty")
    parser.add_argument("--max-minutes", type=float, default=10.0, help="wall-clock cap on training")
    parser.add_argument("--threads", type=int, default=1)
    # Training settings default to our SASRec's (benchmarks/seqrec.py) so the two differ by library,
    # not by tuning; RecBole's own defaults (lr 1e-3, batch 2048, dropout 0.5, length 50) barely move
    # within a 10-minute CPU budget. The architecture is RecBole's default (2 layers, 2 heads, 64 wide).
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--dropout", type=float, default=0.3)
    parser.add_argument("--max-length", type=int, default=30)
    parser.add_argument("--patience", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2020)
    args = parser.parse_args()
    sys.argv = sys.argv[:1]  # RecBole's Config reads ``--key=value`` from the command line too
    # RecBole's chained in-place fillna and torch.cuda.amp use warn on every run; pandas < 3 is pinned.
    warnings.filterwarnings("ignore", category=FutureWarning, module="recbole")
    torch.set_num_threads(args.threads)
    patch_torch_load()

    from recbole.config import Config
    from recbole.data import create_dataset, data_preparation
    from recbole.model.sequential_recommender import SASRec
    from recbole.utils import init_seed

    all_sequences = load_sequences(args.dataset)
    n_items = max(int(s.max()) for s in all_sequences) + 1
    split = leave_last_two_out(all_sequences)
    sequences = [np.append(h, t) for h, t in zip(split.train_plus_valid, split.test_targets, strict=True)]
    with tempfile.TemporaryDirectory(prefix="peer_recbole_") as temp:
        data_path = Path(temp)
        write_atomic_files(sequences, data_path / DATASET_NAME)
        os.chdir(data_path)  # RecBole writes log/ and log_tensorboard/ under the working directory
        config = Config(model="SASRec", dataset=DATASET_NAME, config_dict=recbole_config(args, data_path))
        init_seed(config["seed"], config["reproducibility"])
        torch.set_num_threads(args.threads)  # init_seed may reset torch's threads
        dataset = create_dataset(config)
        train_data, valid_data, _ = data_preparation(config, dataset)
        model = SASRec(config, train_data.dataset)
        started = time.monotonic()
        epochs, valid_ndcg = train_with_deadline(
            config, model, train_data, valid_data, started + args.max_minutes * 60.0
        )
        train_s = time.monotonic() - started
        started = time.monotonic()
        test = score_test(
            model, dataset, split.train_plus_valid, split.test_targets, n_items, args.max_length
        )
        score_s = time.monotonic() - started
    print(
        json.dumps(
            {
                "model": "RecBole SASRec",
                "hr@10": test["hr@10"],
                "ndcg@10": test["ndcg@10"],
                "train_s": round(train_s, 1),
                "score_s": round(score_s, 1),
                "epochs": round(epochs, 2),
                "recbole_valid_ndcg@10": valid_ndcg,  # RecBole's own protocol: history not masked
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
