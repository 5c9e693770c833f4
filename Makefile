# Libya News Archive. `make install && make demo` on a fresh machine; `make test` runs everything CI runs.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pywb (the replay tool the tests prove our WARCs and CDXJ work with) pins old redis/fakeredis: its own venv.
PYWB_VENV := .venv-pywb
PYWB_STAMP := $(PYWB_VENV)/.installed
# boto3 beside pywb lets it read WARCs from an s3:// store (`archiver replay --store s3://...`); its own stamp, so
# an existing .venv-pywb gets it once, and nothing is reinstalled on later runs (make demo stays offline).
PYWB_S3_STAMP := $(PYWB_VENV)/.installed-boto3
# py-wacz (`wacz validate`, the WACZ reference validator the evidence tests run) pins its own dependency versions:
# its own venv. ReplayWeb.page's files come from the npm registry (`npm pack`; `npm install` of it fails), unpacked
# into a gitignored folder the browser tests serve on 127.0.0.1.
WACZ_VENV := .venv-wacz
WACZ_STAMP := $(WACZ_VENV)/.installed
RWP_DIR := .cache/replaywebpage
RWP_STAMP := $(RWP_DIR)/.installed
# The extraction benchmark's peers (trafilatura, readability-lxml, newspaper4k) live in their own venv, never in
# the project's runtime dependencies.
BENCH_VENV := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed

.PHONY: install test lint typecheck demo serve run bench bench-install bench-extraction clean

install: $(STAMP) $(PYWB_STAMP) $(PYWB_S3_STAMP) $(WACZ_STAMP) $(RWP_STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make install: $(PYTHON) not found; install Python 3.11 or run make PYTHON=python3" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(PYWB_STAMP):
	$(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/pip install --quiet --upgrade pip
	$(PYWB_VENV)/bin/pip install --quiet 'pywb==2.10.0'
	touch $(PYWB_STAMP)

$(WACZ_STAMP):
	$(PYTHON) -m venv $(WACZ_VENV)
	$(WACZ_VENV)/bin/pip install --quiet --upgrade pip
	$(WACZ_VENV)/bin/pip install --quiet 'wacz==0.6.0'
	touch $(WACZ_STAMP)

$(RWP_STAMP):
	mkdir -p $(RWP_DIR)
	cd $(RWP_DIR) && npm pack --silent 'replaywebpage@2' >/dev/null && tar -xzf replaywebpage-*.tgz && rm replaywebpage-*.tgz
	touch $(RWP_STAMP)

$(PYWB_S3_STAMP): $(PYWB_STAMP)
	$(PYWB_VENV)/bin/pip install --quiet boto3
	touch $(PYWB_S3_STAMP)

lint: install
	$(BIN)/ruff check archiver spiders tests bench
	$(BIN)/ruff format --check archiver spiders tests bench

typecheck: install
	$(BIN)/mypy

test: install lint typecheck
	$(BIN)/pytest -q

demo: install
	$(BIN)/python -m tests.fixtureweb.demo

# The web app over the demo archive (`make demo` fills ./archive); it prints the address to open.
serve: install
	@test -d archive || { echo "make serve: no ./archive yet; run make demo first" >&2; exit 2; }
	$(BIN)/archiver serve --store archive

run: install
	$(BIN)/archiver crawl $$($(BIN)/archiver sites list | cut -d' ' -f1)

bench: install
	$(BIN)/python -m bench.crawl_overhead

bench-install: $(BENCH_STAMP)

$(BENCH_STAMP): pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

# AEB_DIR: a copy of scrapinghub/article-extraction-benchmark (ground-truth.json and html/*.html.gz).
bench-extraction: bench-install
	$(BENCH_VENV)/bin/python -m bench.extraction --aeb $(AEB_DIR) --rounds 3

clean:
	rm -rf $(VENV) $(PYWB_VENV) $(BENCH_VENV) archive export .pytest_cache .mypy_cache .ruff_cache
