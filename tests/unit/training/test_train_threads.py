"""``train`` runs with numpy's BLAS limited to ``settings.threads``, as torch and LightGBM are."""

from __future__ import annotations

from pathlib import Path

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from shelfwise.settings import Settings
from shelfwise.training import job


def test_train_limits_blas_threads_to_the_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: list[int] = []

    def record(settings: Settings, store: object, options: job.TrainOptions, engine: object) -> Path:
        seen.extend(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas")
        return tmp_path

    monkeypatch.setattr(job, "_train", record)
    with threadpool_limits(limits=2):  # what numpy takes on two cores, whatever the test run set
        trained = job.train(Settings(home=tmp_path, threads=1), None, job.TrainOptions())  # type: ignore[arg-type]
    assert trained == tmp_path
    assert seen and set(seen) == {1}
