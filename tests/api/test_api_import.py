"""Importing the API (every ``shelfwise serve``) leaves out what readiness does not need: torch
comes with a model that uses it, scipy.stats with the first p-value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from scipy.stats import norm

from shelfwise.experiments.stats import Z95

SRC = Path(__file__).resolve().parents[2] / "src"


def test_the_api_imports_without_torch_or_scipy_stats() -> None:
    code = "import sys, shelfwise.api\nprint([m for m in ('torch', 'scipy.stats') if m in sys.modules])"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_written_out_z_is_scipys() -> None:
    assert float(norm.ppf(0.975)) == Z95
