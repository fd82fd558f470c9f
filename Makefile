# Học bạ số — `make help` lists the targets.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SEED ?= 1
TEST_WORKERS ?= 2

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project with its tools
	@$(MAKE) --no-print-directory messages-compile

system: ## Install the Debian tools the project uses (gettext, poppler, xmlsec1, SoftHSM2, Chromium, Redis, nginx)
	@bash scripts/system-packages.sh

messages-compile: $(STAMP)
	@$(BIN)/python scripts/compile_messages.py

messages: $(STAMP) ## Refresh locale/vi from the source strings (then translate the new entries)
	HOCBASO_DEMO=1 $(BIN)/hocbaso makemessages --locale vi --ignore '.venv/*' --ignore 'var/*' --no-obsolete
	@$(MAKE) --no-print-directory messages-compile

demo: install ## Set up and serve the demo province on http://$(HOST):$(PORT)
	HOCBASO_DEMO=1 $(BIN)/hocbaso migrate --noinput --verbosity 0
	HOCBASO_DEMO=1 $(BIN)/hocbaso demo-data --seed $(SEED)
	@test -f var/pki/pki.json || HOCBASO_DEMO=1 $(BIN)/hocbaso pki init
	@echo "Issuing the 2024-2025 demo records in the background (log: var/demo-issue.log; the home page shows progress)."
	@HOCBASO_DEMO=1 nohup $(BIN)/hocbaso demo-issue > var/demo-issue.log 2>&1 &
	HOCBASO_DEMO=1 $(BIN)/hocbaso runserver $(HOST):$(PORT) --noreload

test: install system ## Run the whole suite on $(TEST_WORKERS) processes (SQLite; PostgreSQL when DATABASE_URL points at one)
	$(BIN)/pytest -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

check: install system ## Lint, format, types, import layers, Django checks, migrations, translations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	HOCBASO_DEMO=1 $(BIN)/mypy hocbaso config tests
	$(BIN)/lint-imports
	HOCBASO_DEMO=1 $(BIN)/hocbaso check --fail-level WARNING
	HOCBASO_DEMO=1 $(BIN)/hocbaso makemigrations --check --dry-run
	$(BIN)/pytest -p no:cacheprovider -q hocbaso/core/tests/test_translations.py

bench: install ## Run the benchmarks; they print figures (BASELINE=DIR: an already set-up baseline copy)
	@for b in bench/bench_*.py; do echo "== $$b"; HOCBASO_DEMO=1 $(BIN)/python $$b || exit 1; done
	@echo "== bench/compare_baseline.py"; HOCBASO_DEMO=1 $(BIN)/python bench/compare_baseline.py $(if $(BASELINE),--baseline $(BASELINE))

guides: install system ## Retake the training guides' screenshots from the test pages (static/guides of the readiness app)
	HOCBASO_GUIDE_SCREENSHOTS=$(CURDIR)/hocbaso/reporting/readiness/static/guides $(BIN)/pytest -p no:cacheprovider -q tests/e2e/test_guide_screenshots.py

worker: install ## Run a background task worker (with HOCBASO_TASKS=database)
	HOCBASO_TASKS=database $(BIN)/hocbaso db_worker

.PHONY: help install system messages messages-compile demo test check bench guides worker
