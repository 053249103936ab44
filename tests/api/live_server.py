"""A real ``shelfwise serve`` process for end-to-end tests: started on a free port, ready once
/healthz answers, stopped (and its log closed) on exit."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

SHELFWISE = Path(sys.executable).with_name("shelfwise")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_server(env: dict[str, str], work: Path, timeout: float = 60) -> Iterator[str]:
    """Yield the base URL of a server started with ``env``; its log goes to ``work/server.log``."""
    with server_process(env, work, timeout) as (url, _):
        yield url


@contextmanager
def server_process(
    env: dict[str, str], work: Path, timeout: float = 60
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Like ``running_server``, also yielding the process (to signal it); stopped on exit if still up."""
    port = free_port()
    log_path = work / "server.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [str(SHELFWISE), "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=log,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"server did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=20)
        log.close()
