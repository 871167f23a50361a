# rjcase: `make run` serves the app with demo data and background jobs; `make test` runs every test.
# With DATABASE_URL / REDIS_URL set, both use PostgreSQL and Redis instead of SQLite and the file broker.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export DEBUG ?= 1
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format migrations-check deploy-check audit assets bench-pages bench-data bench clean

$(VENV)/.installed: requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements/dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/dist/.built: node_modules/.installed frontend/build.mjs $(wildcard frontend/scss/*.scss)
	npm run --silent build
	touch $@

assets: static/dist/.built

install: $(VENV)/.installed assets

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo "rjcase is starting at http://$(HOST):$(PORT)/ (demo password in README.md). Press Ctrl+C to stop."
	trap 'kill 0' INT TERM EXIT; \
	$(VENV)/bin/celery -A rjcase worker --beat --loglevel=INFO --concurrency=2 & \
	$(PY) manage.py runserver $(HOST):$(PORT)

# Tests run on every core (pytest-xdist); PYTEST_ARGS adds options, e.g. PYTEST_ARGS="-n 0 -x" for one process.
test: install
	$(VENV)/bin/pytest -n auto --dist loadfile $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check: $(VENV)/.installed
	$(PY) manage.py makemigrations --check --dry-run

deploy-check: $(VENV)/.installed
	DEBUG=0 SECRET_KEY=deploy-check-$$(head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	ALLOWED_HOSTS=rjcase.example.org $(PY) manage.py check --deploy --fail-level WARNING

# Known vulnerabilities in the Python and front-end dependencies (.ci/dependency_audit.py); it fails when an
# advisory database is out of reach only with RJCASE_AUDIT_REQUIRED=1.
audit: install
	$(PY) .ci/dependency_audit.py

bench-pages: $(VENV)/.installed
	$(PY) bench/pages.py --base http://$(HOST):$(PORT) --user $(or $(USER_ROLE),facilitator)

# The benchmark's national dataset (bench/README.md): make bench-data N=100000. It refuses a database holding
# anything but an earlier benchmark dataset; BENCH_ARGS=--fresh empties the app tables first.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/rjcase_bench
N ?= 20000
bench-data: $(VENV)/.installed
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py migrate --noinput
	$(PY) bench/generate.py --cases $(N) --database-url $(BENCH_DATABASE_URL) $(BENCH_ARGS)

# The benchmark against issue 8's targets (bench/README.md): make bench N=100000. Generates the dataset first
# when the database does not hold N cases, serves the app with gunicorn and measures it; writes
# bench/results-N.md. BENCH_RUN_ARGS adds options (.venv/bin/python bench/run.py --help).
bench: $(VENV)/.installed
	$(PY) bench/run.py --cases $(N) --database-url $(BENCH_DATABASE_URL) $(BENCH_RUN_ARGS)

clean:
	rm -rf $(VENV) node_modules static/dist var db.sqlite3
