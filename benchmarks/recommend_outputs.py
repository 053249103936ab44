"""Dump what the serving engine recommends to ``--n`` customers (seeded), each asked twice (the
second answer of a returning customer comes from the ranking cache when it is on), plus an unknown
id, as JSON lines without the request ids. Run it on two code versions (PYTHONPATH) against copies
of the same home and compare the files: a request-path speed-up must not change a single byte.

    SHELFWISE_HOME=/tmp/beauty PYTHONPATH=src .venv/bin/python benchmarks/recommend_outputs.py out.jsonl
    cmp before.jsonl after.jsonl

``--queries FILE``: the first ``--n`` searches of the file's queries instead.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--queries", type=Path, help="dump searches of these queries (one a line) instead")
    args = parser.parse_args()

    from shelfwise.service.context import ServiceContext
    from shelfwise.service.serving import ServingEngine

    engine = ServingEngine(ServiceContext())
    engine.start(poll=False)
    if args.queries:
        queries = [q.strip() for q in args.queries.read_text().splitlines() if q.strip()][: args.n]
        with open(args.out, "w") as handle:
            for query in queries:
                ranked = engine.search(query, None, args.k)
                items = [[s.item_id, s.score, list(s.reasons)] for s in ranked.items]
                handle.write(json.dumps({"query": query, "items": items}, ensure_ascii=False) + "\n")
        engine.stop()
        print(f"{len(queries)} searches → {args.out}")
        return
    users = sorted(p.customer_id for p in engine.profiles.customers())
    picks = [*random.Random(0).sample(users, min(args.n, len(users))), "__nobody__"]
    with open(args.out, "w") as handle:
        for user in picks:
            for attempt in (1, 2):
                ranked = engine.recommend(user, args.k)
                row = {
                    "user": user,
                    "attempt": attempt,
                    "customer": ranked.customer_id,
                    "version": ranked.model_version,
                    "items": [[s.item_id, s.score, list(s.reasons)] for s in ranked.items],
                }
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    engine.stop()
    print(f"{len(picks)} customers × 2 → {args.out}")


if __name__ == "__main__":
    main()
