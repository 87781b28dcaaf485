# Every target installs what it needs: a fresh clone runs `make demo` and `make test` with nothing
# installed by hand. Terraform itself is expected on PATH (see docs/development.md, "Requirements").
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXAMPLE ?= api-key
# Test processes side by side (pytest-xdist). Five on two cores: the run is CPU-bound, but the
# AWS provider's waiters sleep (an RDS stack's apply: 95 s for 3 CPU s) and with four the cores
# were 15-40 % idle for the first two minutes. Measured on this two-core machine, same tree:
# four 7 min 00 s, five 6 min 29 s, six 6 min 30 s (more CPU: 742 s against 722 s).
TEST_WORKERS ?= 5
# The mutation-testing tool, pinned; installed into .venv by `make mutate` only.
MUTMUT := mutmut==3.8.1
TF_DIRS := $(wildcard modules/*) $(wildcard examples/*)
# Bytecode caching on for every target, even where the machine turns it off (this image sets
# PYTHONDONTWRITEBYTECODE=1): otherwise every test process, sandbox and Lambda runner compiles
# this repository's modules and the libraries it imports again, and pytest rewrites every test
# file's asserts again in each process (7.2 s of CPU per process to collect, 3.0 s with the
# cache). The caches are __pycache__ folders (gitignored; the rotator's zip leaves them out).
unexport PYTHONDONTWRITEBYTECODE
PYTEST := $(PY) -m pytest
# Prerequisites build side by side: .venv and checkov's own virtualenv install at the same time.
MAKEFLAGS += --jobs=2

.PHONY: help venv checkov-venv lint fmt check test test-scale test-fast mutate demo sandbox bench layer plan apply destroy clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

# uv installs .venv's packages: 4 s, where pip took 25 s on this two-core machine (most of it on
# one core, matching every file of ~90 packages' PyPI pages against this Python). uv itself comes
# from pip, pinned: the one installer a fresh Python has. pip goes in too (`make mutate` and
# scripts/build_layer.py run it). Nothing is compiled at install: each module compiles on its first
# import and is cached (see unexport above); most installed modules are never imported (sympy,
# networkx, cfn-lint come with moto[server]). uv reads its own settings, not pip.conf: behind a
# package mirror, set UV_DEFAULT_INDEX (docs/development.md).
UV_VERSION := 0.13.10
$(STAMP): pyproject.toml VERSION
	$(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip --python $(PY) install --quiet --no-compile --disable-pip-version-check 'uv==$(UV_VERSION)'
	$(VENV)/bin/uv pip install --quiet --python $(PY) -e '.[dev]' pip
	touch $(STAMP)

venv: $(STAMP) ## Create .venv with the pinned dev dependencies

checkov-venv: ## Create .venv-checkov (checkov pins its own dependencies, so it lives apart)
	scripts/checkov.sh --install-only

lint: $(STAMP) checkov-venv ## terraform fmt/validate, ruff, mypy, checkov
	terraform fmt -check -recursive
	$(PY) -m terraform_offline validate $(TF_DIRS)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	scripts/checkov.sh

fmt: $(STAMP) ## Rewrite Terraform and Python formatting in place
	terraform fmt -recursive
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Groups (tests/conftest.py): a process takes a whole file (a suite, where files share fixture
# directories), longest files first in the order conftest.py sorts them.
# Servers the tests start on loopback (package:binary); installed when missing (root with apt-get).
TEST_SERVERS := redis-server:redis-server mariadb-server:mariadbd

test: $(STAMP) ## Every test: unit, plan, end to end on the sandbox (CI runs `make lint` too)
	scripts/system_packages.sh $(TEST_SERVERS)
	$(PYTEST) -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

check: ## What CI runs: lint, then every test (one after the other)
	$(MAKE) lint
	$(MAKE) test

test-scale: $(STAMP) ## Only the 150-secret end-to-end test (also part of `make test`)
	$(PYTEST) -m scale

# Two processes: 26 s instead of 42 s for the 426 tests on two idle cores (17 s since `make test`
# keeps bytecode caches, see `unexport PYTHONDONTWRITEBYTECODE`). Test by test (worksteal): these
# tests share no stack, and a bare -n would hand the whole suite to one process (tests/conftest.py).
test-fast: $(STAMP) ## Unit tests only (no Terraform)
	$(PYTEST) -n 2 --dist worksteal tests/rotator

# Not part of `make test`. At low priority, so the machine stays usable while every core runs
# mutants; from scratch each time, so the score is never a stale cache's. Settings: [tool.mutmut].
mutate: $(STAMP) ## Mutation testing of rotator/ with the fast tests: score, survivors (slow)
	$(PY) -m pip install --quiet '$(MUTMUT)'
	rm -rf mutants
	nice -n 19 $(VENV)/bin/mutmut run --max-children $$(nproc)
	$(PY) scripts/mutation_report.py

demo: $(STAMP) ## Apply examples/api-key to a local AWS sandbox and rotate for real
	$(PY) -m sandbox.demo

sandbox: $(STAMP) ## Start the local AWS sandbox and print the exports to use it
	$(PY) -m sandbox

bench: $(STAMP) ## Print benchmark figures (calls per rotation, timings, module plan beside a bare module, scale)
	$(PY) -m bench

layer: $(STAMP) ## Build the database driver layers (pinned pg8000, PyMySQL) into build/layers/
	$(PY) scripts/build_layer.py postgres
	$(PY) scripts/build_layer.py mysql

# Real AWS. Credentials come from the usual AWS environment or profile.
plan apply destroy: $(STAMP)
	@$(PY) scripts/check_aws_credentials.py
	cd examples/$(EXAMPLE) && terraform init -input=false && terraform $@ -input=false

clean: ## Remove the virtualenv and build outputs
	rm -rf $(VENV) .venv-checkov build mutants .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -not -path './.venv*' -prune -exec rm -rf {} +
	find . -name .terraform -type d -prune -exec rm -rf {} +
