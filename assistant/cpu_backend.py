"""Which llama.cpp CPU backend runs on this machine, chosen at start from those the wheel carries.

llama-cpp-python is built portable (Makefile: `GGML_BACKEND_DL=ON`, `GGML_CPU_ALL_VARIANTS=ON`): its
wheel holds one `libggml-cpu-<variant>.so` per CPU generation (x64, sse42, ..., haswell, skylakex,
icelake, zen4, sapphirerapids). Each variant exports `ggml_backend_score()`, 0 when this CPU lacks one
of its instructions, else higher for more features. `activate()` picks the best one and points
llama.cpp at it through `GGML_BACKEND_PATH` (read by `llama_backend_init`, and inherited by a
`llama_cpp.server` started from this process), so a machine with only AVX2 loads `haswell` and one
with AVX-512 loads `zen4` or `icelake`; nothing is compiled for the CPU that built the wheel.

AMX variants are skipped unless `allow_amx`: ggml's AMX kernels died with SIGILL (tilezero) on a
machine of this workplace whose CPU lists AMX, so they are opt-in (`ASSISTANT_CPU_ALLOW_AMX=true`).

A wheel built without variants (one `libggml-cpu.so` for the builder's CPU) is refused with a clear
error instead of being allowed to die with SIGILL on a CPU that lacks its instructions.

    assistant doctor        the CPU's features, the variants and their scores, the choice, what it uses

>>> variant_name(Path("libggml-cpu-haswell.so"))
'haswell'
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

AMX_VARIANTS = frozenset({"sapphirerapids"})
PREFIX, SUFFIX = "libggml-cpu-", ".so"
# The x86 features that tell the variants apart, as /proc/cpuinfo names them.
FLAGS = ("sse4_2", "avx", "f16c", "fma", "bmi2", "avx2", "avx_vnni", "avx512f", "avx512bw", "avx512vl",
         "avx512_vbmi", "avx512vbmi", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8")


class CpuBackendError(RuntimeError):
    """No usable llama.cpp CPU backend: a wheel without variants, or none that this CPU can run."""


@dataclass(frozen=True)
class Variant:
    name: str  # "haswell"
    path: Path
    score: int  # ggml_backend_score() on this CPU: 0 = cannot run here


@dataclass(frozen=True)
class CpuBackend:
    chosen: Variant
    variants: tuple[Variant, ...]  # every variant the wheel carries, scored on this CPU
    cpu_flags: tuple[str, ...]  # this CPU's features among FLAGS


def backend_dir() -> Path:
    """Where the wheel put its CPU variants: `site-packages/bin/` (ggml installs backends as runtime
    files), else llama_cpp's `lib/`. Found without importing llama_cpp, which loads the libraries."""
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        raise CpuBackendError("llama-cpp-python is not installed (run `make setup`)")
    package = Path(next(iter(spec.submodule_search_locations)))
    for folder in (package.parent / "bin", package / "lib"):
        if any(folder.glob(f"{PREFIX}*{SUFFIX}")):
            return folder
    return package / "lib"


def variant_name(path: Path) -> str:
    return path.name[len(PREFIX):-len(SUFFIX)]


def score(path: Path) -> int:
    """The variant's own verdict on this CPU. Loading a variant runs none of its kernels (ggml's loader
    scores every variant the same way), and the handle is closed again."""
    lib = ctypes.CDLL(str(path), mode=os.RTLD_NOW | os.RTLD_LOCAL)
    try:
        fn = lib.ggml_backend_score
        fn.restype = ctypes.c_int
        return int(fn())
    finally:
        import _ctypes

        _ctypes.dlclose(lib._handle)


def _load_base(directory: Path) -> None:
    """ggml's base library, which every variant links by soname: beside the variants or in llama_cpp's
    lib/ (compiled without ISA flags)."""
    for candidate in (directory / "libggml-base.so", directory.parent / "llama_cpp" / "lib" / "libggml-base.so"):
        if candidate.exists():
            ctypes.CDLL(str(candidate), mode=os.RTLD_NOW | os.RTLD_GLOBAL)
            return


def cpu_flags() -> tuple[str, ...]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return ()
    line = next((ln for ln in text.splitlines() if ln.startswith("flags")), "")
    present = set(line.split(":", 1)[-1].split())
    return tuple(f for f in FLAGS if f in present)


def choose(directory: Path | None = None, allow_amx: bool = False) -> CpuBackend:
    """Score every variant in `directory` (default: backend_dir()) and pick the best runnable one."""
    directory = directory or backend_dir()
    paths = sorted(directory.glob(f"{PREFIX}*{SUFFIX}"))
    if not paths:
        monolithic = directory / "libggml-cpu.so"
        raise CpuBackendError(
            f"{directory} has no CPU backend variants ({PREFIX}<variant>{SUFFIX})"
            + (f"; its single {monolithic.name} was compiled for one CPU and may not run on this one" if monolithic.exists() else "")
            + ": reinstall llama-cpp-python with `make setup` (a portable build)")
    _load_base(directory)
    variants = tuple(Variant(variant_name(p), p, score(p)) for p in paths)
    return CpuBackend(best(variants, allow_amx), variants, cpu_flags())


def best(variants: Sequence[Variant], allow_amx: bool) -> Variant:
    """The highest-scoring variant this CPU runs (AMX ones only if allowed)."""
    usable = [v for v in variants if v.score > 0 and (allow_amx or v.name not in AMX_VARIANTS)]
    if not usable:
        raise CpuBackendError(f"no llama.cpp CPU backend runs on this CPU "
                              f"(scores: {', '.join(f'{v.name}={v.score}' for v in variants)})")
    return max(usable, key=lambda v: v.score)


_ACTIVE: CpuBackend | None = None


def activate(variant: str | None = None, allow_amx: bool = False) -> CpuBackend:
    """Choose the backend (once per process) and make llama.cpp load it. Call before the first `Llama`.

    `variant` forces one by name (`ASSISTANT_CPU_VARIANT`: e.g. "haswell", what an AVX2-only CPU runs);
    default: the best-scoring one."""
    global _ACTIVE
    if _ACTIVE is None:
        backend = choose(allow_amx=allow_amx)
        if variant:
            forced = next((v for v in backend.variants if v.name == variant), None)
            if forced is None or forced.score <= 0:
                raise CpuBackendError(f"CPU backend variant {variant!r} is not in the wheel or cannot run on this CPU")
            backend = CpuBackend(forced, backend.variants, backend.cpu_flags)
        os.environ["GGML_BACKEND_PATH"] = str(backend.chosen.path)
        _ACTIVE = backend
    return _ACTIVE


def system_info() -> str:
    """What the loaded backend was compiled to use, as llama.cpp reports it ("CPU : SSE3 = 1 | AVX2 = 1 ...").
    Loads llama.cpp: call activate() first."""
    import llama_cpp

    llama_cpp.llama_backend_init()
    return llama_cpp.llama_print_system_info().decode()


def report(backend: CpuBackend, info: str | None = None) -> str:
    lines = [f"CPU features: {' '.join(backend.cpu_flags) or '(unknown)'}",
             f"llama.cpp CPU backend: {backend.chosen.name} ({backend.chosen.path})",
             "variants (score on this CPU; 0 = cannot run here): "
             + ", ".join(f"{v.name}={v.score}" + (" (AMX: opt-in)" if v.name in AMX_VARIANTS else "") for v in backend.variants)]
    if info is not None:
        used = [part.split("=")[0].strip() for part in info.replace("CPU :", "|").split("|") if part.strip().endswith("= 1")]
        lines.append(f"instructions the backend uses: {' '.join(used)}")
    return "\n".join(lines)
