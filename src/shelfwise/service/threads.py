"""Threads of the numeric libraries (BLAS, torch's OpenMP pool) in a serving process.

A request's products are tiny (one history through SASRec, a vector times the item table, 20 × 300
cosines), too small to gain from a second thread, and every parallel region makes the request's
thread wait for a worker that a loaded machine may not schedule for a while: on Beauty at load 6
(2 cores) a new customer's recommendation took 192 ms p50 with the libraries' default 2 threads and
16 ms with 1, answers byte-identical (docs/performance.md, branch h16cold). So a server uses
``settings.threads`` (default 1), as training and the text encoders already do.
"""

from __future__ import annotations

import sys

from threadpoolctl import threadpool_limits


def limit_numeric_threads(threads: int) -> None:
    """Cap BLAS and OpenMP threads for the rest of the process, and torch's own when torch is
    loaded (never imported here). Call it on the thread that serves requests: OpenMP's limit is
    per thread; torch's also becomes the default of threads that have not used torch yet."""
    threadpool_limits(limits=threads)  # the libraries loaded so far; kept (not a context)
    torch = sys.modules.get("torch")
    if torch is not None:
        # Always: the line above already set this thread's OpenMP limit, so torch's own count
        # would read as done, but torch keeps the default for new threads apart.
        torch.set_num_threads(threads)
