#!/usr/bin/env bash
# `make test`: the whole suite on Postgres, browser tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
export DEBUG=false
if [ -n "${CI:-}" ] && [ ! -x /usr/bin/chromium ]; then
  echo "CI: /usr/bin/chromium is missing; the browser tests must not be skipped." >&2
  exit 1
fi
exec .venv/bin/pytest -n "${PYTEST_WORKERS:-2}" "$@"
