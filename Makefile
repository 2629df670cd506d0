# Two commands do all set-up on a fresh machine:
#   make run   -> checks the port, creates .venv, installs, trains the model if absent, serves page and API
#                 (make run PORT=8001, or POSTWACHT_PORT=8001; HOST=0.0.0.0 to listen on every address)
#   make test  -> creates .venv, installs, runs ruff, the corpus check, the docs check and the test suite
#                 (with a throwaway PostgreSQL when its server binaries are installed, see .ci/test-postgres.sh)
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= $(or $(POSTWACHT_PORT),8000)

.PHONY: run test setup model lint docs clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "FOUT: $(PYTHON) niet gevonden; zet PYTHON=... ($(PYTHON) not found; set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/postwacht setup
	touch $(STAMP)

setup: $(STAMP)

model: $(STAMP)
	$(BIN)/postwacht models ensure

# The port is checked first (standard library only, before the venv exists), so a taken port fails
# in a second instead of after the set-up; `postwacht serve` binds it again before loading the model
# and prints the URL once it listens.
run:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "FOUT: $(PYTHON) niet gevonden; zet PYTHON=... ($(PYTHON) not found; set PYTHON=...)"; exit 1; }
	@$(PYTHON) -m postwacht.port --host '$(HOST)' --port '$(PORT)'
	@$(MAKE) --no-print-directory setup
	$(BIN)/postwacht serve --host '$(HOST)' --port '$(PORT)'

lint: $(STAMP)
	$(BIN)/ruff check .

docs: $(STAMP)
	$(BIN)/postwacht docs build

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/postwacht corpus check
	$(BIN)/postwacht docs check
	bash .ci/test-postgres.sh $(BIN)/python -m pytest

clean:
	rm -rf $(VENV) models var
