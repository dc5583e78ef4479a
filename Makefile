# Two commands on a fresh machine: `make run` and `make test`. Both bootstrap .venv from the
# pinned, hashed requirements.lock (re-synced only when the lock or pyproject changes).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.synced
AS_OF := $(shell cat data/samples/AS_OF 2>/dev/null)
LINES ?= 100000
RUNNER ?= local
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: run test lint typecheck pytest venv lock bench samples clean report report-browser fuzz

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(BIN)/uv: $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(STAMP): requirements.lock pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

lock: $(BIN)/uv
	$(BIN)/uv pip compile --quiet --python-version 3.11 --generate-hashes requirements.in -o requirements.lock

# The demo workspace gets the sample settings (the Mainland sender id) unless it has its own ssdd.toml.
run: $(STAMP)
	mkdir -p data/workspace
	[ -e data/workspace/ssdd.toml ] || cp data/samples/ssdd.toml data/workspace/ssdd.toml
	$(BIN)/ssdd run --inbox data/samples/inbox --workspace data/workspace --as-of "$(AS_OF)"

lint: $(STAMP)
	$(BIN)/ruff check flows transforms expectations tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

samples: $(STAMP)
	$(BIN)/python -m transforms.devtools.samples data/samples

report: $(STAMP)
	$(BIN)/ssdd report --workspace data/workspace

report-browser: $(STAMP)
	$(BIN)/pytest tests/analytics/test_report_browser.py -rs

# The long fuzz profile: 10,000 hostile cells per target (FUZZ_MUTANTS per night); `make test` runs a few.
FUZZ_MUTANTS ?= 25
FUZZ_CELLS ?= 10000
fuzz: $(STAMP)
	FUZZ_MUTANTS=$(FUZZ_MUTANTS) FUZZ_EXAMPLES=$$(( ($(FUZZ_CELLS) + $(FUZZ_MUTANTS) - 1) / $(FUZZ_MUTANTS) )) \
	FUZZ_REPORT=bench/results/fuzz-$$(date -u +%Y%m%dT%H%M%S).json \
	$(BIN)/pytest tests/fuzz -p no:randomly -q -o timeout=0

bench: $(STAMP)
	$(BIN)/python -m bench.run --lines $(LINES) --runner $(RUNNER)

clean:
	rm -rf data/workspace .mypy_cache .pytest_cache .ruff_cache
