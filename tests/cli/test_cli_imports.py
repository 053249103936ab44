"""The console script's start-up imports what every command needs, not each command's services."""

from __future__ import annotations

import json
import subprocess
import sys

# Imported by a command when it runs (audit, ingest, feedback export, stats, customers).
LAZY = (
    "shelfwise.service.audit",
    "shelfwise.service.ingest",
    "shelfwise.service.ubi",
    "shelfwise.service.stats",
    "shelfwise.service.customers",
    "shelfwise.ingest.records",
    "shelfwise.audit",
    "shelfwise.feedback",
    "tqdm",
)


def test_starting_the_cli_imports_no_command_services() -> None:
    code = "import json, sys; import shelfwise.cli.main; print(json.dumps(sorted(sys.modules)))"
    loaded = set(
        json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout)
    )
    assert "shelfwise.cli.audit" in loaded and "shelfwise.cli.ingest" in loaded  # the commands are there
    assert sorted(name for name in LAZY if name in loaded) == []
