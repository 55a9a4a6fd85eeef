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

# pytest exits 5 when it collects nothing; that is a failure here too.
test: $(VENV)/.dev-installed
	$(PY) -m pytest -q

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.dev-installed
	$(VENV)/bin/mypy app.py chalicelib local ops infra

check: lint typecheck

format: $(VENV)/.dev-installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis infra/cdk.out infra/node_modules
