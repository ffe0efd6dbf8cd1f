#!/usr/bin/env bash
# `make run`: the web server and the task worker together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
.venv/bin/python manage.py seed_demo
port="${PORT:-8000}"
.venv/bin/python manage.py runserver "127.0.0.1:$port" &
web=$!
.venv/bin/python manage.py db_worker --queue-name default &
worker=$!
trap 'kill $web $worker 2>/dev/null; wait 2>/dev/null; echo; echo "Stopped."' INT TERM EXIT
sleep 2
.venv/bin/python manage.py demo_logins --port "$port"
wait -n $web $worker
