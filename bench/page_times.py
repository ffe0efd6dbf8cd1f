"""Per-request time of every benchmarked page, in one process, one request at a time: a
before-and-after measure that a busy machine disturbs less than a load test does.

    source scripts/env.sh && .venv/bin/python bench/page_times.py [--scale 1] [--requests 30]
        [--json OUT]

Uses the data set and manifest that `bench/run.py` uses, with production settings; prints the
median and 90th percentile milliseconds and the queries of each page as its main role.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import report  # noqa: E402
from bench.run import MAIN_ROLE, server_env  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    manifest = json.loads(report.manifest_path(args.scale).read_text())
    os.environ.update(server_env(manifest))
    import django

    django.setup()
    from django.db import connection

    from bench.run import _client_for, page_specs

    clients, figures = {}, {}
    for page, role, path in page_specs(manifest):
        if MAIN_ROLE[page] != role:
            continue
        client = clients.setdefault(role, _client_for(role, manifest))
        for _ in range(3):  # warm: first visits, caches
            assert client.get(path).status_code == 200, (page, path)
        queries = []

        def counted(run, sql, *rest, queries=queries):
            queries.append(sql)
            return run(sql, *rest)

        with connection.execute_wrapper(counted):
            client.get(path)
        times = []
        for _ in range(args.requests):
            started = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        figures[page] = {
            "role": role,
            "median_ms": round(statistics.median(times), 1),
            "p90_ms": round(times[int(len(times) * 0.9) - 1], 1),
            "queries": len(queries),
        }
        print(
            f"{page:<17} {role:<12} {figures[page]['median_ms']:>7.1f} ms  "
            f"p90 {figures[page]['p90_ms']:>7.1f} ms  {len(queries):>3} queries",
            flush=True,
        )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
