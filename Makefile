# MesoCare — `make run` brings the whole system up; `make test` runs the whole suite.
# Both bootstrap .venv themselves from the pinned dependencies.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test unit fuzz lint format bench clean compose-smoke chaos

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[local,dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m devstack run

# Browser tests drive Debian's Chromium through Playwright (`playwright install` cannot download
# here); installed once, as root, when missing.
CHROMIUM := /usr/bin/chromium

# The suite validates the gateway's AsyncAPI document with the AsyncAPI CLI: the version
# tools/asyncapi/package-lock.json pins, installed there by npm ci (again when the lock changes).
# Node.js 20 and npm are Debian's, installed once, as root, when npm is missing.
ASYNCAPI := tools/asyncapi/node_modules/.bin/asyncapi

test: $(STAMP) $(CHROMIUM) $(ASYNCAPI)
	$(BIN)/python -m pytest

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
	  DEBIAN_FRONTEND=noninteractive apt-get update && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else \
	  echo "The browser tests need Debian's Chromium at $(CHROMIUM)."; \
	  echo "Install it as root:  sudo apt-get update && sudo apt-get install -y chromium"; \
	  exit 1; \
	fi

$(ASYNCAPI): tools/asyncapi/package.json tools/asyncapi/package-lock.json
	@if ! command -v npm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm; \
	  else \
	    echo "The AsyncAPI check needs Node.js 20 and npm to install the CLI into tools/asyncapi."; \
	    echo "Install them as root:  sudo apt-get update && sudo apt-get install -y nodejs npm"; \
	    exit 1; \
	  fi; \
	fi
	cd tools/asyncapi && npm ci
	@touch $(ASYNCAPI)

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

# The OpenAPI conformance run of `make test` (schemathesis over every operation of every
# service), with many more examples an operation and a new seed each run.
FUZZ_EXAMPLES ?= 200

fuzz: $(STAMP)
	MESOCARE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) MESOCARE_FUZZ_SEED= \
	  $(BIN)/python -m pytest tests/integration/test_openapi_conformance.py

# ruff (lint and format) over everything; mypy with the pydantic plugin over the code that runs
# (services/, shared/, devstack/: pyproject.toml [tool.mypy]).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

BENCHMARKS := cross_check availability patient_search booking_throughput aftercare_latency gateway_proxy

bench: $(STAMP)
	@missed=""; for b in $(BENCHMARKS); do \
	  echo "== bench/$$b.py"; $(BIN)/python -m bench.$$b || missed="$$missed $$b"; \
	done; \
	if [ -n "$$missed" ]; then echo "under target:$$missed"; exit 1; fi

# What an operator does with docker-compose.yml, checked end to end (deploy/compose_smoke.py):
# needs a Docker Engine with Compose v2. Another broker's settings come from the environment, e.g.
# KAFKA_IDEMPOTENCE=false KAFKA_FETCH_MAX_WAIT_MS=10 make compose-smoke.
compose-smoke: $(STAMP)
	$(BIN)/python deploy/compose_smoke.py

# Faults while a clinic workload runs (devstack/chaos): the broker down 60 s and paused 30 s, a
# consumer and a relay SIGKILLed, PostgreSQL restarted; then every effect checked exactly once.
# A stack of its own on free ports under .devstack/chaos; exits 1 if a check fails. Durations
# are options: `$(BIN)/python -m devstack.chaos --help`. A trimmed run is part of `make test`.
chaos: $(STAMP)
	$(BIN)/python -m devstack.chaos

clean:
	rm -rf .devstack
