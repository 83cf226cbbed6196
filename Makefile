# geoclaims: `make all` runs the whole analysis, `make test` runs the test suite.
# Both set up .venv from requirements.lock if it is missing; a second run reuses the venv and the
# data cache (data/cache/). GEOCLAIMS_DATA_MIRROR defaults to ../shared/data when it exists.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV_VERSION := 0.13.9
SHARED_MIRROR := $(abspath ../shared/data)
GEOCLAIMS_DATA_MIRROR ?= $(if $(wildcard $(SHARED_MIRROR)/MANIFEST.md),$(SHARED_MIRROR),)
export GEOCLAIMS_DATA_MIRROR

NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

.PHONY: all setup data notebooks site test lint lock bench clean browser mutation

all: data notebooks site
	@$(BIN)/python -m geoclaims.build summary

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

# Headless Chromium for the browser tests, from Debian's packages (never a downloaded build).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

data: setup
	$(BIN)/geoclaims data fetch
	$(BIN)/geoclaims data verify

notebooks: data
	$(BIN)/python -m geoclaims.build notebooks $(NOTEBOOKS)

site: notebooks
	$(BIN)/python -m geoclaims.build site
	$(BIN)/python -m geoclaims.build readme

test: setup browser
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check src tests benchmarks

# Re-resolve the lock file after changing dependencies in pyproject.toml.
lock: setup
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --quiet -o requirements.lock

# Mutation testing (cosmic-ray; slow, not part of `make test`): one config per module,
# mutation/<name>.toml; add a module by adding its config. Report: docs/mutation-report.md.
MUTATION_MODULES ?= $(basename $(notdir $(wildcard mutation/*.toml)))
mutation: setup
	$(BIN)/python mutation/run.py $(MUTATION_MODULES)

bench: data
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf build figures/*.png figures/*.svg outputs
