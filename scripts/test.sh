#!/usr/bin/env bash
# `make test`: the whole suite on Postgres, browser tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
# Production settings, except what needs HTTPS or collectstatic (the live server is plain HTTP).
export DEBUG=false SECURE_SSL_REDIRECT=false SECURE_COOKIES=false STATIC_MANIFEST=false
export ALLOWED_HOSTS="localhost,127.0.0.1,testserver"
export DJANGO_ALLOW_ASYNC_UNSAFE=true
if [ -n "${CI:-}" ] && [ ! -x /usr/bin/chromium ]; then
  echo "CI: /usr/bin/chromium is missing; the browser tests must not be skipped." >&2
  exit 1
fi
exec .venv/bin/pytest -n "${PYTEST_WORKERS:-2}" "$@"
