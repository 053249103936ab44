"""Brushing injected into a slice of real data (Amazon Beauty): the filter undoes it."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from shelfwise.testing.brushing import run_brushing


@pytest.mark.shared
def test_the_filter_returns_a_brushed_items_exposure_to_its_level(shared_data: Path) -> None:
    path = shared_data / "amazon2014_seqrec" / "beauty" / "s3rec_Beauty.txt.gz"
    with gzip.open(path, "rt") as handle:
        sequences = [
            np.array([int(x) - 1 for x in line.split()[1:]], dtype=np.int32)
            for _, line in zip(range(3000), handle, strict=False)
        ]
    result = run_brushing(sequences, n_fake=20, target_rank=300, seed=0)
    assert result.exposure_injected >= 20 * max(result.exposure_before, 1)  # the attack works
    assert result.exposure_filtered <= 1.2 * result.exposure_before
    assert result.fake_flagged_share >= 0.9
    assert result.real_flagged_share <= 0.01
