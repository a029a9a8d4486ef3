# Everything a developer runs. `make run` and `make test` create .venv and install what they need.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint css css-check bench system-deps migrate clean prod-local prod-local-stop prod-smoke messages

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)."; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) requirements.txt requirements-dev.txt
	./scripts/install-system-deps
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

system-deps:
	./scripts/install-system-deps --browser

## Set up, load the demo content and serve the site on http://127.0.0.1:8000
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	./scripts/dev-server

# Tests run in one process per core (pytest-xdist); the browser tests all go to one of them (e2e/conftest.py).
PYTEST_PARALLEL := -n auto --dist loadgroup

## Set up and run the whole test suite (SQLite, or DATABASE_URL / REDIS_URL when set)
test: $(STAMP)
	./scripts/install-system-deps --browser
	$(PY) -m pytest $(PYTEST_PARALLEL)

## The suite without the browser tests; on MariaDB the test databases are kept and reused between runs
test-fast: $(STAMP)
	$(PY) -m pytest $(PYTEST_PARALLEL) -m "not e2e" --reuse-db

## ruff (lint and format) and mypy with django-stubs (strict on services and selectors; see pyproject.toml)
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Where makemessages does not look: installed packages, tests, tools and built files.
MESSAGES_IGNORE := --ignore=.venv --ignore=node_modules --ignore=e2e --ignore=var --ignore='*/tests/*' \
	--ignore=bench --ignore=deploy --ignore=scripts --ignore=static/css --ignore='static/vendor/*' --ignore=conftest.py

## Update the translation catalogues (locale/) from the code, then compile them (needs gettext: docs/translating.md)
messages: $(STAMP)
	$(PY) manage.py makemessages -l de -l ar --add-location=file $(MESSAGES_IGNORE)
	$(PY) manage.py makemessages -d djangojs -l de -l ar --add-location=file $(MESSAGES_IGNORE)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

## Rebuild the committed Tailwind CSS (needs Node.js and npm)
css:
	npm ci --no-audit --no-fund
	npx @tailwindcss/cli -i assets/tailwind.css -o static/css/site.css --minify

## Fails when static/css/site.css is not what `make css` would build
css-check: css
	git diff --exit-code -- static/css/site.css

## The production topology on this machine, without Docker: https://localhost:8443 (deploy/README.md)
prod-local: $(STAMP)
	./scripts/install-system-deps --stack
	deploy/prod-local start

## Stop everything `make prod-local` started
prod-local-stop:
	deploy/prod-local stop

## Smoke test of the production stack over HTTPS: its own stack, started and stopped (deploy/smoke.py)
prod-smoke: $(STAMP)
	./scripts/install-system-deps --stack
	$(PY) deploy/smoke.py

## Benchmarks (see bench/README.md); the load test needs locust, a bench-only dependency
bench: $(STAMP)
	$(PY) -m pip install --quiet -r bench/requirements.txt
	$(PY) bench/catalogue.py
	$(PY) bench/learning_load.py

.PHONY: bench-http
## The main pages over HTTP: gunicorn (2 sync workers) and wrk, each page next to a bare Django view (bench/README.md)
bench-http: $(STAMP)
	./scripts/install-system-deps --bench
	$(PY) bench/wrk_pages.py

.PHONY: bench-load
BENCH_LOAD_ARGS ?=
## Load test of the production stack over HTTPS: 200 learners, 20 trainers, 2 admins; p95 < 250 ms (bench/README.md)
bench-load: $(STAMP)
	./scripts/install-system-deps --stack
	$(PY) -m pip install --quiet -r bench/requirements.txt
	$(PY) bench/load.py $(BENCH_LOAD_ARGS)

clean:
	rm -rf $(VENV) var db.sqlite3
