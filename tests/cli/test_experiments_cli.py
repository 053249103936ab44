"""``shelfwise experiments``: one-line errors with a non-zero exit, and the printed report."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from shelfwise.cli.experiments import render_report
from shelfwise.experiments.report import CustomerTally, build_report
from shelfwise.storage.base import ExperimentRecord

SHELFWISE = Path(sys.executable).with_name("shelfwise")


def test_bad_arguments_get_one_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    env = {**os.environ, "SHELFWISE_HOME": str(tmp_path / "home")}
    cases = {
        ("--variant", "control=v0001", "--variant", "treatment=v0002"): "no good model version 'v0001'",
        ("--variant", "control:v0001", "--variant", "treatment=v0002"): "variant: expected NAME=VERSION",
        ("--variant", "a=v1", "--variant", "b=v2", "--traffic", "60,60"): "traffic",
    }
    for extra, message in cases.items():
        done = subprocess.run(
            [str(SHELFWISE), "experiments", "create", "x", "--placement", "home", *extra],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode != 0 and message in done.stderr, (extra, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    missing = subprocess.run(
        [str(SHELFWISE), "experiments", "report", "nope"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode != 0 and "no experiment 'nope'" in missing.stderr


def test_the_printed_report_has_every_variant_and_the_decision() -> None:
    record = ExperimentRecord(
        "hp",
        "home",
        {"control": "v0001", "treatment": "v0002"},
        {"control": 0.5, "treatment": 0.5},
        "s",
        "running",
        0.0,
    )
    tallies = {
        (v, f"{v}{n}"): CustomerTally(v, {f"{v}{n}"}, 100, clicks) for v, clicks in (("control", 4), ("treatment", 6))
        for n in range(10)
    }  # fmt: skip
    text = render_report(build_report(record, tallies))
    assert "control       v0001" in text and "treatment     v0002" in text
    assert "treatment vs control: ctr" in text
    assert text.splitlines()[-1] == "decision: treatment wins: CTR +50% (95% CI +2%…+122%), p=0.04"
