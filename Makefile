# The two commands: `make run` (portal with demo data) and `make test` (the whole suite).
.PHONY: run test bootstrap lint messages bench

bootstrap:
	bash scripts/bootstrap.sh

run: bootstrap
	bash scripts/run.sh

test: bootstrap
	bash scripts/test.sh $(ARGS)

# The performance benchmark (docs/benchmarks.md): builds its own data sets the first time.
bench: bootstrap
	bash scripts/bench.sh $(ARGS)

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

# Refresh the Welsh catalogue after changing strings; translate, then run make test.
messages:
	bash -c 'source scripts/env.sh && .venv/bin/python manage.py makemessages -l cy --ignore=.venv --ignore=frontend --ignore=static/vendor --ignore=staticfiles --no-obsolete && .venv/bin/python manage.py compilemessages --ignore=.venv --ignore=frontend'
