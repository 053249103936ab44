"""Start-up benchmark: seconds from ``shelfwise serve`` to ``/readyz`` = 200, and of a one-off
``shelfwise search`` (process start to exit), on an existing home (build one with serve.py for
Beauty, search.py --keep for Home Depot).

``--baseline-src DIR`` runs the same measurements with another checkout's ``src`` (e.g.
``git archive <commit> src | tar -x -C /tmp/base``) alternately with this one, so both sides see
the same machine load; the 1-minute load average is printed with every figure.
``--baseline-home DIR``: the baseline runs on its own copy of the home (``cp -a``), so migrations
this checkout adds (indexes) are not applied to the baseline's store.
``--snapshot-profiles``: first write the live-profile snapshot and the search log's behaviour
statistics into the home's newest version when it has none (what ``shelfwise train`` writes from
this checkout on; a home trained by an older checkout lacks them).

    .venv/bin/python benchmarks/startup.py --home /tmp/sw-beauty --query "vitamin c serum" \
        [--baseline-src /tmp/base/src --baseline-home /tmp/sw-beauty-base] [--repeat 3] [--no-serve]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from serve import SHELFWISE, free_port, load, wait_ready  # beside this file

SRC = Path(__file__).resolve().parents[1] / "src"


def _env(home: Path, src: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SHELFWISE_HOME": str(home),
        "PYTHONPATH": str(src),
        "OMP_NUM_THREADS": "1",
        "OMP_WAIT_POLICY": "PASSIVE",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "SHELFWISE_SERVE__RELOAD_POLL_SECONDS": "0",
    }


def serve_to_ready(env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds to /readyz, and the server's CPU seconds (user + system, up to its exit right
    after: a figure the machine's load moves less than the wall time)."""
    port = free_port()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(SHELFWISE), "serve", "--port", str(port), "--log-level", "warning"], env=env
    )
    try:
        wait_ready(port, "/readyz", process, timeout=600, interval=0.05)
        wall = time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(timeout=30)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def cli_search(env: dict[str, str], query: str) -> tuple[float, float, bytes]:
    """Wall seconds, CPU seconds (user + system) and the printed answer of one one-off search."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([str(SHELFWISE), "search", query], env=env, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, done.stdout


def upgrade_snapshot(home: Path) -> None:
    """Rewrite the newest version's search snapshot in this checkout's format (a home trained
    before format 2 loads it as it is, a little slower), and save the popularity counts beside
    its behaviour statistics as ``train`` now does (reused only while no event came after)."""
    code = (
        "from shelfwise.search.factory import build_engine, popularity_of\n"
        "from shelfwise.search.snapshot import SNAPSHOT_DIR, load_behaviour, save_behaviour, upgrade\n"
        "from shelfwise.service.context import ServiceContext\n"
        "ctx = ServiceContext()\n"
        "snap = ctx.models.path(ctx.models.newest_good()) / SNAPSHOT_DIR\n"
        "print('snapshot upgraded' if upgrade(snap) else 'snapshot already current')\n"
        "saved = load_behaviour(snap)\n"
        "if saved is not None and saved[2] is None:\n"
        "    engine, _ = build_engine(ctx.settings, ctx.store, snapshot=snap)\n"
        "    save_behaviour(snap, saved[1], saved[0], popularity_of(ctx.store, engine.index))\n"
        "    print('popularity saved with the behaviour statistics')\n"
    )
    subprocess.run([sys.executable, "-c", code], env=_env(home, SRC), check=True)


def snapshot_profiles(home: Path) -> None:
    """Write the snapshots ``train`` writes since this branch (live profiles, the search log's
    behaviour statistics) into the newest version, where they are missing."""
    code = (
        "import time\n"
        "from shelfwise.profiles.snapshot import PROFILES_FILE, read_snapshot, write_snapshot\n"
        "from shelfwise.search.factory import build_engine\n"
        "from shelfwise.search.snapshot import BEHAVIOUR_FILE, SNAPSHOT_DIR, LogMark, save_behaviour\n"
        "from shelfwise.service.context import ServiceContext\n"
        "ctx = ServiceContext()\n"
        "version = ctx.models.path(ctx.models.newest_good())\n"
        "path = version / PROFILES_FILE\n"
        "if not path.exists():\n"
        "    t = time.perf_counter()\n"
        "    write_snapshot(ctx.store, path, ctx.settings.serve.profile_max_items)\n"
        "    print(f'wrote {path} in {time.perf_counter() - t:.1f} s')\n"
        "if not (version / SNAPSHOT_DIR / BEHAVIOUR_FILE).exists():\n"
        "    t = time.perf_counter()\n"
        "    mark = read_snapshot(path)\n"
        "    engine, _ = build_engine(ctx.settings, ctx.store, snapshot=version / SNAPSHOT_DIR)\n"
        "    save_behaviour(version / SNAPSHOT_DIR, engine.behaviour,\n"
        "                   LogMark(mark.event_seq, mark.change_seq, mark.stored_events))\n"
        "    print(f'wrote the behaviour statistics in {time.perf_counter() - t:.1f} s')\n"
    )
    subprocess.run([sys.executable, "-c", code], env=_env(home, SRC), check=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--query", default="vitamin c serum")
    parser.add_argument("--baseline-src", type=Path, help="another checkout's src, measured alternately")
    parser.add_argument("--baseline-home", type=Path, help="the baseline's copy of the home")
    parser.add_argument("--snapshot-profiles", action="store_true", help="write a missing profile snapshot")
    parser.add_argument(
        "--upgrade-snapshot", action="store_true", help="rewrite --home's search snapshot in this format"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-serve", action="store_true", help="only the one-off CLI search")
    args = parser.parse_args()
    if args.snapshot_profiles:
        snapshot_profiles(args.home)
    if args.upgrade_snapshot:
        upgrade_snapshot(args.home)
    sides = {"this": SRC} | ({"baseline": args.baseline_src} if args.baseline_src else {})
    homes = {"this": args.home, "baseline": args.baseline_home or args.home}
    figures: dict[tuple[str, str], list[float]] = {}
    answers: dict[str, set[bytes]] = {}
    for _ in range(args.repeat):
        for name, src in sides.items():
            env = _env(homes[name], src)
            if not args.no_serve:
                seconds, cpu = serve_to_ready(env)
                figures.setdefault((name, "serve → /readyz"), []).append(seconds)
                figures.setdefault((name, "serve CPU"), []).append(cpu)
                print(f"{name:<9} serve → /readyz {seconds:6.2f} s, CPU {cpu:5.2f} s ({load()})", flush=True)
            seconds, cpu, answer = cli_search(env, args.query)
            figures.setdefault((name, "one-off search"), []).append(seconds)
            figures.setdefault((name, "one-off CPU"), []).append(cpu)
            answers.setdefault(name, set()).add(answer)
            print(f"{name:<9} one-off search  {seconds:6.2f} s, CPU {cpu:5.2f} s ({load()})", flush=True)
    print("medians:")
    for (name, what), values in figures.items():
        print(f"  {name:<9} {what:<16} {statistics.median(values):6.2f} s (n={len(values)})")
    if args.baseline_src:
        same = len(answers["this"] | answers["baseline"]) == 1
        print(f"  one-off answers: {'identical' if same else 'DIFFERENT'} on both sides and every run")
        for what in ("serve → /readyz", "serve CPU", "one-off search", "one-off CPU"):
            if ("this", what) in figures:
                ratio = statistics.median(figures[("this", what)]) / statistics.median(
                    figures[("baseline", what)]
                )
                print(f"  {what}: this / baseline = {ratio:.2f}")


if __name__ == "__main__":
    main()
