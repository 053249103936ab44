from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SHELFWISE = Path(sys.executable).with_name("shelfwise")


@pytest.fixture
def run(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed ``shelfwise`` console script against a fresh SHELFWISE_HOME."""
    env = {**os.environ, "SHELFWISE_HOME": str(tmp_path / "home")}

    def _run(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([str(SHELFWISE), *args], env=env, capture_output=True, text=True, timeout=600)
        if check and result.returncode != 0:
            raise AssertionError(f"shelfwise {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    return _run
