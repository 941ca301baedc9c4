# plc-sim: `make run` runs the main job, `make test` runs the tests. Both build .venv from the lock first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-full app app-assets browser lint bench validate clean

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "plc-sim needs Python >= 3.12; found " + sys.version.split()[0] + " (pyenv users: .python-version selects 3.12)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/plc-sim sweep experiments/default.toml

# Debian's Chromium drives the browser test; nothing downloads a browser at run time.
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# Solara's page scripts, which its server would fetch from a CDN, installed once from the npm registry.
app-assets: $(STAMP)
	@command -v npm >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq npm >/dev/null; }
	@$(BIN)/python -m plc_sim.app.assets

# Lint first (ruff; the layer contract is tests/test_layers.py), then the suite: CI (.ci/run) calls `make test`.
test: lint browser app-assets
	$(BIN)/python -m pytest

test-full: $(STAMP) browser app-assets
	$(BIN)/python -m pytest -m "slow or not slow"

app: $(STAMP) app-assets
	$(BIN)/plc-sim app

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py

validate: $(STAMP)
	$(BIN)/plc-sim validate --full

lint: $(STAMP)
	$(BIN)/python -m ruff check simulation plc_sim tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
