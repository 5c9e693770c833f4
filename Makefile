# Libya News Archive. `make install && make demo` on a fresh machine; `make test` runs everything CI runs.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint typecheck demo run bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make install: $(PYTHON) not found; install Python 3.11 or run make PYTHON=python3" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

lint: install
	$(BIN)/ruff check archiver spiders tests bench
	$(BIN)/ruff format --check archiver spiders tests bench

typecheck: install
	$(BIN)/mypy

test: install lint typecheck
	$(BIN)/pytest -q

demo: install
	$(BIN)/python -m tests.fixtureweb.demo

run: install
	$(BIN)/archiver crawl $$($(BIN)/archiver sites list | cut -d' ' -f1)

bench: install
	$(BIN)/python -m bench.crawl_overhead

clean:
	rm -rf $(VENV) archive export .pytest_cache .mypy_cache .ruff_cache
