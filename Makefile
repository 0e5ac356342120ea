# costboard: the two commands a new user needs are `make run` and `make test`.
# Both set themselves up on a fresh machine: a virtual environment with the pinned
# dependencies, and (for the tests) Debian's chromium, chromium-driver and postgresql.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8050

.PHONY: run test lint format bench soak mutation system-deps clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $(INSTALLED)

# Debian packages the tests need: headless Chromium and its driver for the browser tests,
# PostgreSQL for the team set-up's catalog tests. Installed only when missing.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		echo "installing Debian packages:$$missing"; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

run: $(INSTALLED)
	$(BIN)/costboard init --demo --if-missing
	$(BIN)/costboard estimate
	$(BIN)/costboard serve --host $(HOST) --port $(PORT)

test: $(INSTALLED) system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(INSTALLED)
	$(BIN)/python -m benchmarks
	$(BIN)/python benchmarks/dashboard_reads.py --seconds 8

# The load test (tests/dashboard/test_load.py, benchmarks/load.py) for 5 minutes instead of CI's 15 s:
# 8 clients on the pages and /api/sql of `costboard serve` while `costboard ingest` commits
# about every second. Prints p50/p95 idle and during ingest; fails on any error.
SOAK_SECONDS ?= 300
soak: $(INSTALLED)
	COSTBOARD_LOAD_SECONDS=$(SOAK_SECONDS) $(BIN)/python -m pytest tests/dashboard/test_load.py -q -s -p no:cacheprovider

# Mutation testing of the modules where a silent error costs most (docs/testing.md). Not part
# of `make test` or CI: it runs for the better part of an hour. One suite or module at a time:
# make mutation MUTATE=fence  (or MUTATE=warehouse/validate.py)
mutation: $(INSTALLED)
	$(BIN)/python -m tests.mutation $(MUTATE)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
