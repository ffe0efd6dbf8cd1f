#!/usr/bin/env bash
# `make run`: the web server and the task worker (with the outbox sweep) together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
.venv/bin/python manage.py seed_demo
# Without a mail server of your own, the worker prints each email it sends (set EMAIL_BACKEND
# and EMAIL_HOST to use a real one).
export EMAIL_BACKEND="${EMAIL_BACKEND:-django.core.mail.backends.console.EmailBackend}"
# Before each start of the worker: sweep the outbox once (mail a killed worker left half-sent)
# and queue the sweep that then renews itself in the worker every MAIL_SWEEP_INTERVAL_SECONDS.
.venv/bin/python manage.py sweep_outbox --start
port="${PORT:-8000}"
.venv/bin/python manage.py runserver "127.0.0.1:$port" &
web=$!
.venv/bin/python manage.py db_worker --queue-name default &
worker=$!
trap 'kill $web $worker 2>/dev/null; wait 2>/dev/null; echo; echo "Stopped."' INT TERM EXIT
sleep 2
.venv/bin/python manage.py demo_logins --port "$port"
wait -n $web $worker
