"""Where a page's time goes: cProfile over N requests of one page, in-process, production settings.

    source scripts/env.sh && .venv/bin/python bench/profile_page.py meeting secretariat [--scale 1]
        [--requests 20] [--sort cumulative|tottime] [--limit 40]

Uses the data set and manifest `bench/run.py` uses; prints the query count and the top functions.
"""

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import report  # noqa: E402
from bench.run import server_env  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("page")
    parser.add_argument("role")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--sql-width", type=int, default=160)
    args = parser.parse_args()
    manifest = json.loads(report.manifest_path(args.scale).read_text())
    os.environ.update(server_env(manifest))
    import django

    django.setup()
    from django.db import connection

    from bench.run import _client_for, page_specs

    path = next(
        p for page, role, p in page_specs(manifest) if (page, role) == (args.page, args.role)
    )
    client = _client_for(args.role, manifest)
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    queries = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append({"time": f"{time.perf_counter() - started:.4f}", "sql": sql})

    with connection.execute_wrapper(timed):
        client.get(path)
    started = time.perf_counter()
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.requests):
        client.get(path)
    profile.disable()
    each = (time.perf_counter() - started) / args.requests * 1000
    print(f"{args.page} as {args.role}: {path}, {len(queries)} queries, {each:.1f} ms a request")
    for q in queries:
        print(f"  {q['time']}s  {q['sql'][: args.sql_width]}")
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.limit)


if __name__ == "__main__":
    main()
