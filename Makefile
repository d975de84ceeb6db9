# One-command set-up: `make demo` and `make test` create .venv and install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_OUT ?= demo-output
SITE_OUT ?= site

.PHONY: demo demos test lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,dev]"
	touch $(VENV)/.installed $@

# The check table, then the offline HTML reference; its last line is the path of index.html.
demo: $(VENV)/.installed
	$(BIN)/mlequations check
	$(BIN)/mlequations site --out $(SITE_OUT)

# Every demo's figures and figures of merit, without the site.
demos: $(VENV)/.installed
	$(BIN)/mlequations demo all --out $(DEMO_OUT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(DEMO_OUT) $(SITE_OUT) .pytest_cache .hypothesis build src/*.egg-info
