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

# The long fuzz profile: FUZZ_CELLS hostile cells per target, FUZZ_MUTANTS per night, the targets
# spread over FUZZ_SHARDS processes (one per core). Counts: bench/results/fuzz-<time>.json, updated
# after every night; each shard's pytest output: data/workspace/fuzz/. `make test` runs a few nights.
# FUZZ_ONLY (a pytest -k expression) runs some targets, e.g. FUZZ_ONLY="trip_plan or kingdee": the
# targets are independent, so a profile too long for one sitting runs in parts on the same commit.
FUZZ_MUTANTS ?= 100
FUZZ_CELLS ?= 10000
FUZZ_SHARDS ?= 2
fuzz: $(STAMP)
	@mkdir -p data/workspace/fuzz bench/results; stamp=$$(date -u +%Y%m%dT%H%M%S); pids=""; \
	for i in $$(seq 0 $$(( $(FUZZ_SHARDS) - 1 ))); do \
	  FUZZ_SHARD=$$i FUZZ_SHARDS=$(FUZZ_SHARDS) FUZZ_MUTANTS=$(FUZZ_MUTANTS) \
	  FUZZ_EXAMPLES=$$(( ($(FUZZ_CELLS) + $(FUZZ_MUTANTS) - 1) / $(FUZZ_MUTANTS) )) \
	  FUZZ_REPORT=data/workspace/fuzz/$$stamp-shard$$i.json FUZZ_COMMIT=$$(git rev-parse HEAD 2>/dev/null) \
	  $(BIN)/pytest tests/fuzz -p no:randomly -p no:cacheprovider -q -o timeout=0 $(if $(FUZZ_ONLY),-k "$(FUZZ_ONLY)") \
	    > data/workspace/fuzz/$$stamp-shard$$i.log 2>&1 & pids="$$pids $$!"; \
	done; echo "fuzz shards$$pids running; progress in data/workspace/fuzz/$$stamp-shard*.json"; status=0; \
	for pid in $$pids; do wait $$pid || status=1; done; \
	tail -n 5 data/workspace/fuzz/$$stamp-shard*.log; \
	$(BIN)/python -m tests.fuzz.merge bench/results/fuzz-$$stamp.json data/workspace/fuzz/$$stamp-shard*.json; \
	exit $$status

bench: $(STAMP)
	$(BIN)/python -m bench.run --lines $(LINES) --runner $(RUNNER)

clean:
	rm -rf data/workspace .mypy_cache .pytest_cache .ruff_cache
