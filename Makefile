# LeucoCases: `make run` serves the site, `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DEV_ENV := DJANGO_DEBUG=1

.PHONY: run test test-fast content lint format serve bench bench-search failure-modes lighthouse screenshots

$(PY):
	@py=$$(scripts/find-python.sh) && echo "Creating $(VENV) with $$py" && $$py -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when the requirement files change.
$(VENV)/.requirements: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.requirements-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.requirements

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

## Serve the site on SQLite with the shipped content and demo accounts.
run: $(VENV)/.requirements
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	@$(MAKE) --no-print-directory content
	$(DEV_ENV) $(PY) manage.py create_demo_accounts
	@$(DEV_ENV) $(PY) manage.py lti_config --base-url http://127.0.0.1:$(PORT)
	@echo "Serving on http://127.0.0.1:$(PORT)/ (with a task worker for grade passback and xAPI)"
	@$(DEV_ENV) $(PY) manage.py db_worker --no-reload --verbosity 0 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

## Load (or refresh) the shipped content. Safe to repeat: rows are matched by slug.
## Published as the content-loader account (no password), so every approval names someone.
## One process for the seven loaders the README lists one by one (load_content: each start-up costs a second).
content:
	$(DEV_ENV) $(PY) manage.py load_content

## The whole suite, browser tests included, on TEST_WORKERS processes (pytest-xdist; one per
## core by default, a test file stays on one worker so its module fixtures and ports are its own).
TEST_WORKERS ?= auto
test: $(VENV)/.requirements-dev node_modules/.installed
	@scripts/ensure-chromium.sh
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

## Everything but the browser tests, for a quick loop.
test-fast: $(VENV)/.requirements-dev
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not e2e" $(PYTEST_ARGS)

lint: $(VENV)/.requirements-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy --strict leucocases/cases/grading

format: $(VENV)/.requirements-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## Production mode: gunicorn (threaded workers) + whitenoise, PostgreSQL and Redis. Needs DJANGO_SECRET_KEY.
SERVE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/leucocases
SERVE_REDIS_URL ?= redis://127.0.0.1:6379/0
WORKERS ?= 2
# Threads per worker: a few requests stuck on the database (each ends within its
# time-out, 503) leave the other threads serving /healthz and reader pages.
THREADS ?= 4
serve: $(VENV)/.requirements
	@if [ -z "$$DJANGO_SECRET_KEY" ]; then echo "make serve needs DJANGO_SECRET_KEY (a long random value; e.g. export DJANGO_SECRET_KEY=\$$(python3 -c 'import secrets; print(secrets.token_urlsafe(64))'))" >&2; exit 1; fi
	@psql "$(SERVE_DATABASE_URL)" -c 'select 1' >/dev/null 2>&1 || createdb -h 127.0.0.1 -U postgres leucocases 2>/dev/null || true
	DATABASE_URL=$${DATABASE_URL:-$(SERVE_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(SERVE_REDIS_URL)} $(PY) manage.py migrate --noinput
	DATABASE_URL=$${DATABASE_URL:-$(SERVE_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(SERVE_REDIS_URL)} $(PY) manage.py collectstatic --noinput -v0
	DATABASE_URL=$${DATABASE_URL:-$(SERVE_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(SERVE_REDIS_URL)} \
	  DJANGO_ALLOWED_HOSTS=$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost} \
	  $(VENV)/bin/gunicorn leucocases.wsgi --workers $(WORKERS) --worker-class gthread --threads $(THREADS) --bind 127.0.0.1:$(PORT) --access-logfile - --forwarded-allow-ips 127.0.0.1

## Lighthouse scores (performance, accessibility, best practices) in production mode; RUNS=3 for medians.
lighthouse: $(VENV)/.requirements
	scripts/lighthouse.sh $(LIGHTHOUSE_ARGS)

## Screenshots of each page type at 1280 and 390 px into docs/screenshots/.
screenshots: $(VENV)/.requirements-dev
	$(PY) scripts/screenshots.py

## Benchmarks at scale on PostgreSQL + Redis (loopback only): query counts, wrk ratios, locust. Prints one table.
$(VENV)/.requirements-bench: requirements-bench.txt requirements-dev.txt requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-bench.txt
	@touch $@ $(VENV)/.requirements-dev $(VENV)/.requirements

bench: $(VENV)/.requirements-bench
	bash benchmarks/run_bench.sh

## Ask-a-question quality (recall, MRR, refusals) and latency at 1x and 100x content, on SQLite and PostgreSQL.
bench-search: $(VENV)/.requirements
	$(PY) benchmarks/bench_search.py

## Redis hung or down, PostgreSQL locked or slow, a worker killed mid-submit: what happens, measured (loopback only).
failure-modes: $(VENV)/.requirements-dev
	$(PY) -m benchmarks.failure_modes
