"""The local model runs on every x86-64 CPU with AVX2: the llama.cpp wheel is portable (one CPU backend
per CPU generation, chosen at run time), and on an emulated Haswell (qemu-user: AVX2, no AVX-512) it
loads the haswell backend and generates. A build for one CPU (e.g. -DGGML_AVX512=ON without runtime
dispatch) fails here: no variants in the wheel, AVX-512 code in what every CPU loads, SIGILL under qemu.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import cpu_backend
from assistant.cpu_backend import CpuBackendError, Variant

ROOT = Path(__file__).resolve().parent.parent
# What an AVX2-only CPU can run: these variants and the libraries every process loads.
AVX2_VARIANTS = ("x64", "sse42", "sandybridge", "ivybridge", "piledriver", "haswell")
# An AVX-512 instruction names a zmm or k mask register; AVX2 code never does.
AVX512_OPERAND = re.compile(r"%zmm\d|%k[1-7]\b")


def _disassembly(path: Path) -> str:
    return subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(path)], capture_output=True, text=True,
                          check=True).stdout


def test_the_wheel_carries_a_backend_for_each_cpu_generation():
    folder = cpu_backend.backend_dir()
    names = {cpu_backend.variant_name(p) for p in folder.glob("libggml-cpu-*.so")}
    assert set(AVX2_VARIANTS) | {"skylakex", "icelake", "zen4"} <= names, names
    lib = cpu_backend.backend_dir().parent / "llama_cpp" / "lib"
    assert not (lib / "libggml-cpu.so").exists(), "a single CPU backend compiled for one CPU"


@pytest.mark.parametrize("library", ["llama_cpp/lib/libllama.so", "llama_cpp/lib/libggml.so",
                                     "llama_cpp/lib/libggml-base.so",
                                     *[f"bin/libggml-cpu-{v}.so" for v in ("haswell", "x64")]])
def test_what_an_avx2_cpu_loads_holds_no_avx512_code(library):
    path = cpu_backend.backend_dir().parent / library
    assert path.exists(), path
    hits = [line for line in _disassembly(path).splitlines() if AVX512_OPERAND.search(line)]
    assert not hits, f"{len(hits)} AVX-512 instructions in {library}, e.g. {hits[:3]}"


def test_the_avx512_backend_does_hold_avx512_code():
    # The check above could pass on a disassembly that finds nothing: the zen4 backend must trip it.
    path = cpu_backend.backend_dir() / "libggml-cpu-zen4.so"
    assert sum(1 for line in _disassembly(path).splitlines() if AVX512_OPERAND.search(line)) > 1000


def test_the_best_backend_this_cpu_runs_is_chosen_and_amx_only_when_allowed(tmp_path):
    def make(name, score):
        return Variant(name, tmp_path / f"libggml-cpu-{name}.so", score)

    variants = [make("haswell", 64), make("zen4", 1984), make("sapphirerapids", 4000), make("icelake", 0)]
    assert cpu_backend.best(variants, allow_amx=False).name == "zen4"
    assert cpu_backend.best(variants, allow_amx=True).name == "sapphirerapids"
    with pytest.raises(CpuBackendError, match="no llama.cpp CPU backend"):
        cpu_backend.best([make("icelake", 0)], allow_amx=False)
    # This machine: the real scores, and a choice that can run here.
    real = cpu_backend.choose()
    assert real.chosen.score == max(v.score for v in real.variants if v.name not in cpu_backend.AMX_VARIANTS)
    assert real.chosen.score > 0


def test_a_wheel_built_for_one_cpu_is_refused_with_a_clear_error(tmp_path):
    (tmp_path / "libggml-cpu.so").write_bytes(b"\x7fELF")
    with pytest.raises(CpuBackendError, match="compiled for one CPU.*make setup"):
        cpu_backend.choose(tmp_path)


def test_doctor_names_the_backend_and_the_instructions_it_uses():
    out = subprocess.run([sys.executable, "-m", "cli", "doctor"], capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    chosen = cpu_backend.choose().chosen.name
    assert f"llama.cpp CPU backend: {chosen}" in out.stdout
    assert re.search(r"instructions the backend uses: .*\bAVX2\b", out.stdout), out.stdout
    env = subprocess.run([sys.executable, "-m", "cli", "doctor", "--env"], capture_output=True, text=True,
                         timeout=60, cwd=ROOT)
    assert env.stdout.strip() == f"GGML_BACKEND_PATH={cpu_backend.choose().chosen.path}"


HASWELL_RUN = """
import sys
from assistant import cpu_backend
backend = cpu_backend.activate()
print("variant", backend.chosen.name, flush=True)
from llama_cpp import Llama
llm = Llama(model_path=sys.argv[1], n_ctx=256, n_threads=2, verbose=False)
out = llm.create_completion("The capital of France is", max_tokens=3, temperature=0)
print("text", out["choices"][0]["text"], flush=True)
"""


@pytest.mark.llm
def test_the_model_generates_on_an_emulated_haswell_cpu(assistant_settings, tmp_path):
    """qemu-user emulates no AVX-512 instruction: one executed dies with SIGILL."""
    qemu = shutil.which("qemu-x86_64")
    assert qemu, "qemu-x86_64 is missing: run `make qemu` (apt-get install qemu-user)"
    script = tmp_path / "haswell_run.py"
    script.write_text(HASWELL_RUN)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GGML_", "ASSISTANT_CPU"))}
    out = subprocess.run([qemu, "-cpu", "Haswell", sys.executable, str(script), str(assistant_settings.model_file)],
                         capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert out.returncode == 0, f"rc {out.returncode} (-4 is SIGILL):\n{out.stdout}\n{out.stderr[-2000:]}"
    assert "variant haswell" in out.stdout
    assert "Paris" in out.stdout
