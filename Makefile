# Kargo: `make run` starts everything locally; `make test` runs the whole suite.
# Both create .venv and install into it when missing.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install --disable-pip-version-check --quiet
export AWS_DEFAULT_REGION ?= eu-central-1
export AWS_ACCOUNT_ID_ENDPOINT_MODE := disabled

.DEFAULT_GOAL := help
.PHONY: help run test lint typecheck check demo format clean

include infra/Makefile.inc
include bench/Makefile.inc

help:
	@echo "make run        start the local stack (moto, API, workers) and a demo order"
	@echo "make demo       walk the demo order to delivery with signed webhooks"
	@echo "make test       run the whole test suite"
	@echo "make lint       ruff;  make typecheck: mypy --strict;  make check: both + cfn-lint"
	@echo "make synth      CloudFormation for dev and prod (offline);  make deploy STAGE=prod"
	@echo "make replay     inspect or replay the dead-letter queue (REPLAY_ARGS=--replay)"

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	@touch $@

# Chalice pins pip<26.3: pip is deliberately not upgraded here.
$(VENV)/.local-installed: $(VENV)/.created requirements.txt requirements-local.txt
	$(PIP) -r requirements-local.txt
	@touch $@

$(VENV)/.dev-installed: $(VENV)/.local-installed requirements-dev.txt infra/requirements.txt
	$(PIP) -r requirements-dev.txt
	@touch $@

run: $(VENV)/.local-installed
	$(PY) -m local.stack

demo: $(VENV)/.local-installed
	$(PY) -m local.simulator

# pytest exits 5 when it collects nothing; that is a failure here too (make stops
# on any non-zero exit). Then the clock matrix: the suites that read the clock
# run twice more under other wall clocks (KARGO_TEST_CLOCK, see tests/conftest.py),
# so no test can lean on today's date or hour: 23:30 in Istanbul on a 29 February
# (quiet hours, a leap day), and a year from now. e2e (a separate process on the
# real clock), browser and infra stay out of it: slow, and they read no clock of ours.
CLOCK_SUITES ?= tests/unit tests/property tests/integration tests/fault tests/contract
# pytest-xdist workers: the suite is CPU-bound on moto in-process; one per core. A
# file stays on one worker (its module fixtures, like a running local stack, are shared).
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
LEAP_NIGHT   := 2028-02-29T20:30:00Z
# axe-core for the console's accessibility check, pinned by the lock file. Without npm
# (or the registry) the check is skipped, and says why; nothing else depends on it.
AXE_MARKER := tests/browser/node_modules/.installed
$(AXE_MARKER): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null && (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error); \
	then touch $@; else echo "axe-core could not be installed: the accessibility check will be skipped"; fi

test: $(VENV)/.dev-installed $(AXE_MARKER)
	@echo "== make test: the whole suite, on the real clock ($$(date -u +%Y-%m-%dT%H:%M:%SZ))"
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile
	@year_ahead=$$($(PY) -c 'from datetime import UTC, datetime, timedelta; print((datetime.now(UTC) + timedelta(days=366)).strftime("%Y-%m-%dT%H:%M:%SZ"))'); \
	for clock in $(LEAP_NIGHT) $$year_ahead; do \
	  echo "== make test: $(CLOCK_SUITES) again, under the wall clock $$clock"; \
	  KARGO_TEST_CLOCK=$$clock $(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile $(CLOCK_SUITES) || exit $$?; \
	done

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.dev-installed
	$(VENV)/bin/mypy app.py chalicelib local ops infra bench

check: lint typecheck

format: $(VENV)/.dev-installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis infra/cdk.out infra/node_modules
