"""Before and after: two `bench/run.py` result files side by side, into docs/benchmarks.md.

    .venv/bin/python bench/compare.py .bench/results-BEFORE.json .bench/results-AFTER.json
        [--users 10] [--title "…"] [--no-write]

Requests per second are compared as multiples of the plain reference page measured in the same
run, so two runs on a machine that was busier or quieter still compare fairly; the raw figures
are shown too.
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import report  # noqa: E402

START, END = "<!-- bench:before-after -->", "<!-- /bench:before-after -->"


def _by_key(report, users):
    return {(r["page"], r["role"]): r for r in report["results"] if r["users"] == users}


def markdown(before, after, users, title):
    old, new = _by_key(before, users), _by_key(after, users)
    plain_old, plain_new = old[("plain", "member")]["rps"], new[("plain", "member")]["rps"]
    lines = [
        START,
        f"## {title}",
        "",
        f"Before: {before['when']} ({before['label'] or 'no label'}). "
        f"After: {after['when']} ({after['label'] or 'no label'}). {users} concurrent users, "
        f'same data set (scale {after["scale"]:g}). "× plain" is the page\'s requests per second '
        "over the plain reference page's in the same run.",
        "",
        "| page | as | req/s before → after | × plain before → after | p95 ms before → after "
        "| queries before → after |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for key, r in new.items():
        b = old.get(key)
        if b is None:
            continue
        lines.append(
            f"| {key[0]} | {key[1]} | {b['rps']:.0f} → {r['rps']:.0f} | "
            f"{b['rps'] / plain_old:.2f} → {r['rps'] / plain_new:.2f} | "
            f"{b['p95']:.0f} → {r['p95']:.0f} | {b['queries']} → {r['queries']} |"
        )
    lines.append(END)
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--title", default="Before and after the first fixes")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    before = json.loads(Path(args.before).read_text())
    after = json.loads(Path(args.after).read_text())
    text = markdown(before, after, args.users, args.title)
    print(text)
    if args.no_write:
        return
    report.write_section(START, END, text.replace(START, "").replace(END, ""))


if __name__ == "__main__":
    sys.exit(main())
