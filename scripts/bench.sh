#!/usr/bin/env bash
# `make bench`: the whole benchmark (docs/benchmarks.md). Arguments go to bench/run.py.
# Each part writes its own section of docs/benchmarks.md; a part can be run alone (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

# Pages under load, on the scale 1 and 0.1 data sets (made the first time, in their own databases).
.venv/bin/python bench/run.py "$@"

# A letter's PDF, first and repeated, against WeasyPrint's own time.
.venv/bin/python bench/letter_pdf.py --runs 20

# 1,000 emails out through the worker and 1,000 replies in, in a database of their own.
export NCG_DB_NAME=ncg_bench_mail
unset DATABASE_URL
source scripts/env.sh
.venv/bin/python manage.py migrate --no-input -v0
.venv/bin/python manage.py createcachetable
.venv/bin/python bench/mail.py
