# Two commands do all set-up on a fresh machine:
#   make run   -> creates .venv, installs, trains the model if absent, serves page and API
#   make test  -> creates .venv, installs, runs ruff and the test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup model lint clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "python3.11 not found; set PYTHON=..."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/postwacht setup
	touch $(STAMP)

setup: $(STAMP)

model: $(STAMP)
	$(BIN)/postwacht models ensure

run: $(STAMP)
	$(BIN)/postwacht serve

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/postwacht corpus check
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) models var
