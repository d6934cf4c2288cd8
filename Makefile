PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= data
PORT ?= 8000

.PHONY: install install-test demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamps: an install runs again only when pyproject.toml changed (the package is installed
# editable, so changes to the code need no reinstall).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# The official kognic-io client (a test dependency) ships a `kognicutil` script of its own; our
# package is reinstalled last so that `kognicutil` in the venv is annobatch's.
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,dev]'
	$(BIN)/pip install --quiet --no-deps --force-reinstall -e .
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test haproxy browser

# The balancer in front of replicas (tests/scale/test_replicas.py): Debian's haproxy, installed
# when missing if we are root; otherwise say so (that test is then skipped).
.PHONY: haproxy
haproxy:
	@command -v haproxy >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends haproxy >/dev/null \
	      || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends haproxy >/dev/null; }; \
	  else \
	    echo "haproxy is not installed and this is not root: skipping it (apt-get install haproxy as root;" \
	         "the replicas test is skipped without it)"; \
	  fi; }

# The dashboard's browser tests drive Debian's chromium through Playwright (which never downloads a
# browser of its own): installed here when missing, as root (CI is); otherwise say how.
CHROMIUM ?= /usr/bin/chromium
.PHONY: browser
browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 || \
		(apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null); \
	else \
		echo "$(CHROMIUM) is missing and this is not root: the browser tests will be skipped" \
		     "(sudo apt-get install -y --no-install-recommends chromium)"; \
	fi

demo: install
	$(BIN)/annobatch --data $(DATA) demo --port $(PORT)

lint: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# Two processes run the tests (pytest-xdist): most tests wait on a server, PostgreSQL or a socket
# rather than compute, so two share two cores well. A module's tests stay on one worker, and so do
# the `balanced` conformance tests (tests/conftest.py, pytest_xdist_make_scheduler).
# TEST_WORKERS=0 runs them all in this process.
TEST_WORKERS ?= 2

test: lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope

bench: install-test
	$(BIN)/python bench/api.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Not part of `make test`: SIGKILLs a server under load, round after round, on SQLite and on the
# local PostgreSQL, and checks what must survive (tests/crash/RESULTS.md). CRASH_ARGS="--rounds 5"
# for a short run.
.PHONY: crash
CRASH_ARGS ?=
crash: install-test
	PYTHONPATH=tests $(BIN)/python -m crash.driver $(CRASH_ARGS)

# The long fuzz run: schemathesis against the served OpenAPI document, >= 10,000 cases per
# backend, findings to tests/fuzz/RESULTS.md (`make test` runs a short one).
.PHONY: fuzz
FUZZ_ARGS ?=
fuzz: install-test
	PYTHONPATH=tests $(BIN)/python -m fuzz.long_run $(FUZZ_ARGS)
