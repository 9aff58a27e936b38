# Custos — two commands on a fresh machine:
#   make run    install everything, migrate, build + catalog the demo, start web + worker
#   make test   install everything, run the whole test suite
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV ?= $(shell command -v uv 2>/dev/null || echo python3 -m uv)
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_SIZE ?= small
DEMO_TARGETS ?= sqlite,postgres,mariadb
PYTEST_ARGS ?=

-include mk/*.mk

.PHONY: help bootstrap sync run worker web test test-slow smoke-prod lint typecheck check ci clean

help:
	@echo "make run    - install, migrate, load the demo, start the web server and the worker"
	@echo "make test   - install and run the whole test suite"
	@echo "make check  - ruff, format, mypy, migrations, deploy checks"
	@echo "make smoke-prod - production stack smoke and fault tests (restarts local PostgreSQL)"

bootstrap:  ## uv (the only thing installed outside the project)
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --user --quiet uv \
		|| python3 -m pip install --user --quiet --break-system-packages uv

.venv/.synced: pyproject.toml uv.lock | bootstrap
	$(UV) sync --frozen --python 3.12
	@touch $@

sync: .venv/.synced

run: sync
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo --size $(DEMO_SIZE) --targets $(DEMO_TARGETS)
	@echo "Starting the worker and the web server on http://$(HOST):$(PORT)/ (Ctrl-C stops both)"
	@$(PY) manage.py db_worker --queue-name default & WORKER=$$!; \
	  trap "kill $$WORKER 2>/dev/null" EXIT INT TERM; \
	  $(PY) manage.py runserver $(HOST):$(PORT)

worker: sync
	$(PY) manage.py db_worker --queue-name default

test: sync browser ingest-env  ## the whole suite, incl. the OpenMetadata CLI end-to-end tests
	$(PY) -m pytest -m "not slow and not prodstack" $(PYTEST_ARGS)

test-slow: sync
	$(PY) -m pytest -m slow $(PYTEST_ARGS) || [ $$? -eq 5 ]  # 5 = none selected

# The production stack (gunicorn + RQ workers + PostgreSQL, its own database and Redis db)
# on loopback: smoke test, then a worker killed and PostgreSQL restarted mid-job. It stops
# and starts the local PostgreSQL: never run it alongside other PostgreSQL tests.
smoke-prod: sync
	$(PY) -m pytest -m prodstack tests/ops $(PYTEST_ARGS)

lint: sync
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: sync
	$(PY) -m mypy .

check: lint typecheck
	$(PY) manage.py makemigrations --check --dry-run
	CUSTOS_SECRET_KEY=ci-$$(date +%s)-not-a-real-secret-but-long-enough-for-the-deploy-check-xx \
	  DJANGO_SETTINGS_MODULE=custos.settings.production $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf .venv var .mypy_cache .ruff_cache .pytest_cache

# Production stack on this machine: gunicorn + RQ workers on Redis + PostgreSQL.
PROD_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/custos_prod
PROD_WORKERS ?= 2
.PHONY: run-prod
run-prod: sync
	@mkdir -p var/prod
	@test -s var/prod/secret_key || (umask 077; $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > var/prod/secret_key)
	@psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='custos_prod'" | grep -q 1 \
	  || psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE custos_prod"
	@export DJANGO_SETTINGS_MODULE=custos.settings.production DATABASE_URL=$(PROD_DATABASE_URL) \
	  CUSTOS_SECRET_KEY=$$(cat var/prod/secret_key) CUSTOS_DATA_DIR=$(CURDIR)/var/prod \
	  CUSTOS_TASKS_BACKEND=django_tasks_rq.RQBackend CUSTOS_SSL_REDIRECT=false CUSTOS_SECURE_COOKIES=false \
	  CUSTOS_HSTS_SECONDS=0 PROMETHEUS_MULTIPROC_DIR=$(CURDIR)/var/prod/metrics CUSTOS_LOG_FORMAT=json; \
	  rm -rf var/prod/metrics && mkdir -p var/prod/metrics; \
	  $(PY) manage.py migrate --noinput && $(PY) manage.py collectstatic --noinput -v0 && \
	  $(PY) manage.py demo --size $(DEMO_SIZE) --targets $(DEMO_TARGETS) && \
	  PIDS=""; for i in $$(seq 1 $(PROD_WORKERS)); do \
	    $(PY) manage.py rqworker default --job-class django_tasks_rq.Job --name custos-local-$$i & PIDS="$$PIDS $$!"; done; \
	  trap "kill $$PIDS 2>/dev/null" EXIT INT TERM; \
	  .venv/bin/gunicorn -c deploy/gunicorn.conf.py --bind $(HOST):$(PORT) custos.wsgi:application
