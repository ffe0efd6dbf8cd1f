"""`make bench`: the portal under load, as in production, on a decade of data (issue 8).

    source scripts/env.sh && .venv/bin/python bench/run.py [--scale 1] [--small-scale 0.1]
        [--users 1,10,50] [--duration 10] [--rebuild] [--only dashboard,meeting] [--no-write]

1. Makes the data sets with `manage.py make_bench_data` (scale 1 and 0.1) unless already made.
2. Starts gunicorn (2 workers, DEBUG off, Postgres, collected static files) on the scale-1 data,
   with the two reference views switched on (bench/reference_views.py).
3. Signs in one person of each role (50 sessions each, one per simulated user) and, for every
   page and role that answers 200, counts the page's SQL queries at both scales.
4. Runs locust headless (bench/locustfile.py) against each page alone, at each number of users,
   and reads requests per second and p50/p95/p99 from its CSV.
5. Writes the tables into docs/benchmarks.md (between the bench:pages markers) and the raw
   figures into .bench/results-<time>.json.
"""

import argparse
import csv
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import report  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
START, END = "<!-- bench:pages -->", "<!-- /bench:pages -->"
SESSIONS_PER_ROLE = 50
ROLES = ("chair", "secretariat", "member", "observer")
# Measured at every number of users, as the role that sees the most; other roles at 10 users.
MAIN_ROLE = {
    "floor": "anonymous",
    "plain": "member",
    "dashboard": "secretariat",
    "meetings": "secretariat",
    "meeting": "secretariat",
    "circulation": "member",
    "responses": "secretariat",
    "letter editor": "chair",
    "letter": "member",
    "published letter": "anonymous",
    "audit log": "secretariat",
    "calendar feed": "member",
}
REFERENCES = ("floor", "plain")


def manifest_for(scale, rebuild):
    path = report.manifest_path(scale)
    if rebuild or not path.exists():
        subprocess.run(
            [PYTHON, "manage.py", "make_bench_data", "--scale", f"{scale:g}"], cwd=ROOT, check=True
        )
    return json.loads(path.read_text())


def server_env(manifest):
    return {
        **os.environ,
        "DATABASE_URL": manifest["database_url"],
        "MEDIA_ROOT": manifest["media_root"],
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "BENCH_REFERENCES": "true",
    }


def inner(action, manifest):
    """Run `action` of this file inside Django, on `manifest`'s database; returns its JSON."""
    result = subprocess.run(
        [PYTHON, __file__, "--inner", action, "--manifest-json", json.dumps(manifest)],
        cwd=ROOT,
        env=server_env(manifest),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.exit(f"bench/run.py --inner {action} failed:\n{result.stderr}")
    return json.loads(result.stdout)


# -- inside Django ------------------------------------------------------------------------


def page_specs(manifest):
    """(page, role, path) for every page the benchmark visits."""
    from django.urls import reverse
    from django.utils import translation

    slug = manifest["group"]
    translation.activate("en")
    g = {"slug": slug}
    paths = {
        "dashboard": reverse("members:dashboard", kwargs=g),
        "meetings": reverse("meetings:list", kwargs=g),
        "meeting": reverse("meetings:detail", kwargs={**g, "pk": manifest["meeting"]}),
        "circulation": reverse("meetings:circulation", kwargs={**g, "pk": manifest["circulation"]}),
        "responses": reverse(
            "meetings:circulation_summary", kwargs={**g, "pk": manifest["circulation"]}
        ),
        "letter editor": reverse(
            "advice:letter_edit", kwargs={**g, "pk": manifest["draft_letter"]}
        ),
        "letter": reverse("advice:letter", kwargs={**g, "pk": manifest["published_letter"]}),
        "audit log": reverse("audit:log", kwargs=g),
    }
    specs = [("floor", "anonymous", "/bench/floor"), ("plain", "member", "/bench/plain")]
    for page, path in paths.items():
        specs += [(page, role, path) for role in ROLES]
    specs.append(
        (
            "published letter",
            "anonymous",
            reverse("advice:public_letter", kwargs={**g, "pk": manifest["published_letter"]}),
        )
    )
    for role in ROLES:
        token = manifest["calendar_tokens"][role]
        specs.append(("calendar feed", role, reverse("calendar_feed", kwargs={"token": token})))
    return specs


def _client_for(role, manifest):
    from django.test import Client

    from members.models import Person

    client = Client()
    if role != "anonymous":
        client.force_login(Person.objects.get(pk=manifest["people_ids"][role]))
    return client


def inner_measure(manifest):
    """Pages that answer 200 for each role, their query counts, and sessions to load them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clients = {role: _client_for(role, manifest) for role in ("anonymous",) + ROLES}
    pages = []
    for page, role, path in page_specs(manifest):
        client = clients[role]
        first = client.get(path)
        if first.status_code != 200:
            continue
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        pages.append({"page": page, "role": role, "path": path, "queries": len(queries)})
    return {"pages": pages}


def inner_sessions(manifest):
    sessions = {"anonymous": [""]}
    for role in ROLES:
        sessions[role] = [
            f"sessionid={_client_for(role, manifest).cookies['sessionid'].value}"
            for _ in range(SESSIONS_PER_ROLE)
        ]
    return sessions


# -- outside: the server and the load -------------------------------------------------------


def start_server(env, port, workers):
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "ncg_portal.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stderr=open(ROOT / ".bench" / "server.log", "w"),  # noqa: SIM115 (the server keeps it)
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def warm(port, path, cookie, times=10):
    for _ in range(times):
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
        if cookie:
            request.add_header("Cookie", cookie)
        with urllib.request.urlopen(request) as response:
            response.read()


def load(port, spec, sessions, users, duration):
    """One locust run: `users` people fetching one page back to back for `duration` seconds."""
    with tempfile.TemporaryDirectory() as folder:
        prefix = os.path.join(folder, "run")
        env = {
            **os.environ,
            "BENCH_PATH": spec["path"],
            "BENCH_NAME": spec["page"],
            "BENCH_COOKIE": sessions[spec["role"]][0],
        }
        subprocess.run(
            [
                str(ROOT / ".venv" / "bin" / "locust"),
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                str(users),
                "--run-time",
                f"{duration}s",
                "--reset-stats",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                prefix,
                "--only-summary",
                "--loglevel",
                "ERROR",
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with open(prefix + "_stats.csv") as f:
            row = next((r for r in csv.DictReader(f) if r["Name"] == spec["page"]), None)
    if row is None:  # not one request finished in the time
        return {"requests": 0, "failures": 0, "rps": 0.0, "p50": 0, "p95": 0, "p99": 0}
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50": float(row["50%"]),
        "p95": float(row["95%"]),
        "p99": float(row["99%"]),
    }


def worker_peak_memory(server):
    """Peak resident memory (VmHWM) of each gunicorn worker, in MiB."""
    peaks = []
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    for pid in children.read_text().split():
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
    return peaks


def machine():
    cpu = report.cpu_model()
    return f"{cpu}, {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--small-scale", type=float, default=0.1)
    parser.add_argument("--users", default="1,10,50")
    parser.add_argument("--duration", type=int, default=10, help="seconds per locust run")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rebuild", action="store_true", help="make the data sets again")
    parser.add_argument("--only", help="comma-separated pages to load (references always run)")
    parser.add_argument("--all-roles-at-every-level", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--label", default="", help="a note for the results (e.g. 'before')")
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    parser.add_argument("--manifest-json", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.inner:
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        manifest = json.loads(args.manifest_json)
        action = {"measure": inner_measure, "sessions": inner_sessions}[args.inner]
        print(json.dumps(action(manifest)))
        return

    big = manifest_for(args.scale, args.rebuild)
    small = manifest_for(args.small_scale, args.rebuild)
    # Static files collected with their manifest, as in production (templates need it).
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=server_env(big),
        check=True,
    )
    measured = inner("measure", big)["pages"]
    small_queries = {(p["page"], p["role"]): p["queries"] for p in inner("measure", small)["pages"]}
    for p in measured:
        p["queries_small"] = small_queries.get((p["page"], p["role"]))
    sessions = inner("sessions", big)
    env = server_env(big)
    only = set(args.only.split(",")) if args.only else None
    levels = [int(u) for u in args.users.split(",")]
    server = start_server(env, args.port, args.workers)
    results = []
    try:
        for p in measured:
            warm(args.port, p["path"], sessions[p["role"]][0])
        for users in levels:
            for p in measured:
                if only and p["page"] not in only and p["page"] not in REFERENCES:
                    continue
                main_role = MAIN_ROLE[p["page"]] == p["role"]
                if not (main_role or users == 10 or args.all_roles_at_every_level):
                    continue
                figures = load(args.port, p, sessions, users, args.duration)
                results.append({**p, "users": users, **figures})
                print(
                    f"{users:>3} users  {p['page']:<17} {p['role']:<12} "
                    f"{figures['rps']:>7.1f}/s  p50 {figures['p50']:>5.0f}  "
                    f"p95 {figures['p95']:>5.0f}  p99 {figures['p99']:>5.0f} ms  "
                    f"q {p['queries']}/{p['queries_small']}  fail {figures['failures']}",
                    flush=True,
                )
        memory = worker_peak_memory(server)
    finally:
        server.terminate()
        server.wait()
    report = {
        "when": datetime.datetime.now().isoformat(timespec="seconds"),
        "label": args.label,
        "machine": machine(),
        "scale": args.scale,
        "small_scale": args.small_scale,
        "counts": big["counts"],
        "duration": args.duration,
        "results": results,
        "queries": measured,
        "worker_peak_mib": memory,
    }
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    (ROOT / ".bench" / f"results-{stamp}.json").write_text(json.dumps(report, indent=2))
    text = markdown(report)
    print(text)
    if not args.no_write:
        write_section(text)


def markdown(report):
    results = report["results"]
    plain10 = next((r["rps"] for r in results if r["page"] == "plain" and r["users"] == 10), None)
    lines = [
        START,
        "## Pages under load (`make bench`, `bench/run.py`)",
        "",
        f"Run {report['when']} {report['label']}".rstrip() + f" on {report['machine']}.",
        f"gunicorn, 2 sync workers, `DEBUG` off, PostgreSQL on the same machine; locust "
        f"(FastHttpUser, no wait) on the same 2 cores, {report['duration']} s per run after "
        f"all users started. Data: scale {report['scale']:g} "
        f"({', '.join(f'{v:,} {k}' for k, v in report['counts'].items() if k in ('groups', 'people', 'meetings', 'papers', 'comments', 'letter versions'))}).",
        "",
        "Reproduce: `make bench` (or `source scripts/env.sh && .venv/bin/python bench/run.py`).",
        "",
    ]
    for users in sorted({r["users"] for r in results}):
        lines += [
            f"### {users} concurrent user{'s' if users != 1 else ''}",
            "",
            "| page | as | requests/s | × plain | p50 ms | p95 ms | p99 ms | queries (0.1 / 1) | failures |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        plain = next(
            (r["rps"] for r in results if r["page"] == "plain" and r["users"] == users), None
        )
        for r in (r for r in results if r["users"] == users):
            ratio = f"{r['rps'] / plain:.2f}" if plain else "–"
            lines.append(
                f"| {r['page']} | {r['role']} | {r['rps']:.0f} | {ratio} | {r['p50']:.0f} | "
                f"{r['p95']:.0f} | {r['p99']:.0f} | {r['queries_small']} / {r['queries']} | "
                f"{r['failures']} |"
            )
        lines.append("")
    pages10 = [r for r in results if r["users"] == 10 and r["page"] not in REFERENCES]
    if plain10 and pages10:
        slow = [r for r in pages10 if r["rps"] < 2 * plain10]
        late = [r for r in pages10 if r["p95"] >= 100]
        many = [q for q in report["queries"] if q["queries"] > 15 and q["page"] not in REFERENCES]
        moved = [q for q in report["queries"] if q["queries"] != q["queries_small"]]

        def names(rows):
            return ", ".join(f"{r['page']} ({r['role']})" for r in rows) or "none"

        lines += [
            "### Budgets at 10 users",
            "",
            f"- At least twice the plain page ({2 * plain10:.0f}/s): missed by {names(slow)}.",
            f"- p95 under 100 ms: missed by {names(late)}.",
            f"- At most 15 queries: over by {names(many)}.",
            f"- Same queries at both scales: differ on {names(moved)}.",
            "",
        ]
    peak = report["worker_peak_mib"]
    lines += [
        f"Peak memory of a web worker (VmHWM): {', '.join(f'{m:.0f} MiB' for m in peak)}.",
        END,
    ]
    return "\n".join(lines)


def write_section(text):
    report.write_section(START, END, text.replace(START, "").replace(END, ""))


if __name__ == "__main__":
    main()
