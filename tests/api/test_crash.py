"""Crash safety: ``shelfwise serve`` and ``shelfwise ingest`` killed with SIGKILL at random moments.

Each round a writer posts batches of events to a real server while a file ingest runs into the same
store; both are killed at a random moment (seeded) once they are writing. After every kill, the store
holds only whole batches: every posted batch is all there or not at all, and the file's events are
whole batches from its start. The next start needs no manual step. At the end the unanswered batches
are posted again and the ingest is re-run: every event stored exactly once, every acknowledged one
among them.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from api_shop import T0, build_shop
from live_server import free_port

SHELFWISE = Path(sys.executable).with_name("shelfwise")
ROUNDS = 3
BATCH = 25  # events per POST
FILE_ROWS = 20_000
FILE_BATCH = 200  # rows per ingest transaction
FILE_ROWS_STORED = "SELECT COUNT(*) FROM events WHERE session_id LIKE 'f-%'"


@dataclass
class Writer:
    """Posts numbered batches; remembers which ones the server acknowledged (2xx)."""

    url: str
    next_batch: int = 0
    acknowledged: set[int] = field(default_factory=set)
    unanswered: set[int] = field(default_factory=set)

    @staticmethod
    def batch(number: int) -> list[dict[str, object]]:
        # Half of the batches carry event ids, half rely on content keys.
        return [
            {
                **({"event_id": f"http-{number}-{n}"} if number % 2 else {}),
                "user_id": f"http-{number % 40}",
                "item_id": "tea",
                "type": "view",
                "timestamp": T0 + 10_000 + number,
                "session_id": f"h-{number}-{n}",
            }
            for n in range(BATCH)
        ]

    def post(self, client: httpx.Client, number: int) -> bool:
        try:
            response = client.post(f"{self.url}/v1/events", json=self.batch(number))
        except httpx.TransportError:
            self.unanswered.add(number)
            return False
        if response.status_code == 429:  # throttled: nothing written, try again
            self.unanswered.add(number)
            return True
        assert response.status_code == 200, response.text
        self.acknowledged.add(number)
        self.unanswered.discard(number)
        return True

    def run(self, stop: threading.Event) -> None:
        with httpx.Client(timeout=5) as client:
            while not stop.is_set():
                number, self.next_batch = self.next_batch, self.next_batch + 1
                if not self.post(client, number):
                    return


@dataclass
class Shop:
    home: Path
    env: dict[str, str]
    events_file: Path

    def rows(self, sql: str) -> list[tuple]:
        connection = sqlite3.connect(self.home / "shelfwise.db", timeout=30)
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()

    def start_server(self, port: int, log: Path) -> subprocess.Popen:
        with log.open("a") as handle:
            process = subprocess.Popen(
                [str(SHELFWISE), "serve", "--no-auth", "--port", str(port), "--log-level", "warning"],
                env=self.env,
                stdout=handle,
                stderr=handle,
            )
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return process
            except httpx.TransportError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)

    def ingest(self) -> subprocess.Popen:
        return subprocess.Popen(
            [str(SHELFWISE), "ingest", "events", str(self.events_file)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    work = tmp_path_factory.mktemp("crash")
    home = work / "home"
    build_shop(home, work)
    events_file = work / "file-events.jsonl"
    with events_file.open("w") as handle:
        for line in range(FILE_ROWS):
            row = {
                "user_id": f"file-{line % 300}",
                "item_id": "kettle",
                "type": "view",
                "timestamp": T0 + 20_000 + line,
                "session_id": f"f-{line}",
            }
            handle.write(json.dumps(row) + "\n")
    env = {
        **os.environ,
        "SHELFWISE_HOME": str(home),
        "SHELFWISE_SEARCH__ENCODER": "fake",
        "SHELFWISE_INGEST__BATCH_SIZE": str(FILE_BATCH),
        "SHELFWISE_SERVE__RELOAD_POLL_SECONDS": "0",
    }
    yield Shop(home, env, events_file)


def _kill_when(process: subprocess.Popen, writing: Callable[[], bool], delay: float) -> None:
    """SIGKILL ``process`` ``delay`` seconds after it is seen writing (or when it ends by itself)."""
    deadline = time.monotonic() + 120
    while process.poll() is None and not writing() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(delay)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _assert_whole_batches(shop: Shop, writer: Writer) -> None:
    stored: dict[int, int] = {}
    for (session,) in shop.rows("SELECT session_id FROM events WHERE session_id LIKE 'h-%'"):
        number = int(session.split("-")[1])
        stored[number] = stored.get(number, 0) + 1
    assert all(count == BATCH for count in stored.values()), "a posted batch is half written"
    assert writer.acknowledged <= set(stored), "an acknowledged batch is missing"
    lines = sorted(
        int(s[2:]) for (s,) in shop.rows("SELECT session_id FROM events WHERE session_id LIKE 'f-%'")
    )
    assert lines == list(range(len(lines))), "the file's events are not whole batches from its start"
    assert len(lines) % FILE_BATCH == 0 or len(lines) == FILE_ROWS, "half of an ingest batch was written"


def test_kill_9_loses_no_acknowledged_event_and_leaves_no_half_batch(shop: Shop, tmp_path: Path) -> None:
    rng = random.Random(15)
    writer = Writer("")
    log = tmp_path / "server.log"
    for _ in range(ROUNDS):
        port = free_port()
        server = shop.start_server(port, log)  # also the recovery: a plain start after a kill
        writer.url = f"http://127.0.0.1:{port}"
        file_before = shop.rows(FILE_ROWS_STORED)[0][0]
        ingest = shop.ingest()
        before = len(writer.acknowledged)
        stop = threading.Event()
        posting = threading.Thread(target=writer.run, args=(stop,))
        posting.start()
        _kill_when(ingest, lambda n=file_before: shop.rows(FILE_ROWS_STORED)[0][0] > n, rng.uniform(0.0, 1.5))
        _kill_when(server, lambda n=before: len(writer.acknowledged) > n, rng.uniform(0.0, 1.5))
        stop.set()
        posting.join(timeout=30)
        _assert_whole_batches(shop, writer)
        file_lines = shop.rows(FILE_ROWS_STORED)[0][0]
        print(
            f"killed: {len(writer.acknowledged)} batches acknowledged, {len(writer.unanswered)} unanswered, "
            f"{file_lines} of {FILE_ROWS} file rows stored"
        )

    # Recovery: the ingest re-run completes the file; the client re-posts what was never answered.
    assert shop.ingest().wait(timeout=300) == 0
    port = free_port()
    server = shop.start_server(port, log)
    try:
        writer.url = f"http://127.0.0.1:{port}"
        with httpx.Client(timeout=10) as client:
            for number in sorted(writer.unanswered):
                assert writer.post(client, number)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert writer.acknowledged == set(range(writer.next_batch)) and not writer.unanswered
    counts = shop.rows(
        "SELECT session_id, COUNT(*) FROM events WHERE session_id LIKE 'h-%' OR session_id LIKE 'f-%' "
        "GROUP BY session_id"
    )
    assert all(count == 1 for _, count in counts), "an event was stored twice"
    http = {s for s, _ in counts if s.startswith("h-")}
    assert http == {f"h-{b}-{n}" for b in writer.acknowledged for n in range(BATCH)}
    assert sum(s.startswith("f-") for s, _ in counts) == FILE_ROWS
