# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_HOME ?= demo-data
# Models ship inside packages: never ask a hub. One OpenMP thread that sleeps when idle (shared cores).
RUN_ENV := HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE

.PHONY: install chromium demo test lint screenshots bench bench-peer clean

install: $(STAMP) chromium

# The dashboard's browser tests drive Debian's Chromium through Playwright (never a downloaded browser).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	@command -v chromium >/dev/null || ( $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium )

# torch is installed first and pinned: an unpinned torch pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	# An editable install writes no bytecode (a wheel's does): compile once, so a one-off CLI command
	# does not recompile ~120 modules each time where PYTHONDONTWRITEBYTECODE is set.
	$(BIN)/python -m compileall -q src
	touch $(STAMP)

# The main job: a generated omnichannel shop, ingested and trained, then served at
# http://127.0.0.1:$(DEMO_PORT)/ (local only, no API keys: a demo). Ctrl-C stops the server.
DEMO_PORT ?= 8000
demo: install
	$(RUN_ENV) SHELFWISE_HOME=$(DEMO_HOME) $(BIN)/shelfwise demo
	@echo "\nServing the demo shop: open http://127.0.0.1:$(DEMO_PORT)/dashboard (the merchant's dashboard), / (try it), /docs (API); Ctrl-C stops it."
	$(RUN_ENV) SHELFWISE_HOME=$(DEMO_HOME) $(BIN)/shelfwise serve --no-auth --port $(DEMO_PORT)

test: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports
	$(RUN_ENV) $(BIN)/pytest

# PNGs of every dashboard page in docs/dashboard/, taken on a small generated demo shop.
screenshots: install
	$(RUN_ENV) $(BIN)/python tests/dashboard/screenshots.py docs/dashboard

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

clean:
	rm -rf $(VENV) $(DEMO_HOME) .pytest_cache

# The peer library (RecBole 1.2.1) lives in its own venv so its old pins never touch the runtime one.
# torch first and pinned (an unpinned torch pulls multi-GB CUDA); pandas < 3 because RecBole's in-place
# fillna breaks on pandas 3; ray only because `import recbole` imports ray.tune. Then runs the peer
# script on Beauty: PEER_MINUTES caps its training (benchmarks/seqrec.py also runs it when this venv exists).
PEER_MINUTES ?= 10
bench-peer:
	test -f .venv-peer/.installed || ( \
	  ( test -x .venv-peer/bin/python || $(PYTHON) -m venv .venv-peer ) && \
	  .venv-peer/bin/pip install --quiet --upgrade pip && \
	  .venv-peer/bin/pip install --quiet torch==2.13.0 && \
	  .venv-peer/bin/pip install --quiet numpy==2.4.6 scipy==1.17.1 pandas==2.3.3 \
	    recbole==1.2.1 ray==2.6.3 scikit-learn==1.9.1 tensorboard==2.20.0 thop==0.1.1.post2209072238 \
	    plotly==7.1.0 tabulate==0.10.0 texttable==1.7.2 psutil==7.2.2 colorlog==4.7.2 colorama==0.4.4 && \
	  touch .venv-peer/.installed )
	OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE .venv-peer/bin/python benchmarks/peer_recbole.py \
	  --dataset beauty --max-minutes $(PEER_MINUTES)
