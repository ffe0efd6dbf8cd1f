#!/usr/bin/env bash
# Set up everything the portal needs: Python env from the lock file, front-end files,
# database, migrations and translations. Safe to repeat. Used by `make run` and `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v uv >/dev/null 2>&1; then
  echo "bootstrap: installing uv with pip" >&2
  python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
  export PATH="$HOME/.local/bin:$PATH"
fi
py=$(bash scripts/find-python.sh)
if [ -n "$py" ]; then
  uv sync --frozen --quiet --python "$py"
else
  uv sync --frozen --quiet
fi
bash scripts/build-frontend.sh
source scripts/env.sh
.venv/bin/python manage.py compilemessages --ignore=.venv --ignore=frontend -v0
.venv/bin/python manage.py migrate --no-input -v0
.venv/bin/python manage.py createcachetable
