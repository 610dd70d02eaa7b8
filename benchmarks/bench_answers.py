"""Answer latency with the default local model (a benchmark: prints figures, asserts nothing).

For 10 typical questions: time to first token and total time (p50, p95), prompt tokens, generated
tokens/s through the chain, and raw llama-cpp generation on the same prompt for comparison.
Goals (issue 4): first token < 3 s and whole answer < 12 s at p50; generation within 10% of raw.

The same run is made, each in its own process, with three llama.cpp builds, and the cost of
portability printed as ratios: the portable wheel with the backend chosen for this CPU, the portable
wheel forced to its haswell backend (what an AVX2-only CPU runs), and the previous build
(-DGGML_AVX512=ON, one CPU backend; built once into the wheel cache if missing, ~5 minutes; it dies
with SIGILL on a CPU without AVX-512, so it is only ever a benchmark here).

    .venv/bin/python benchmarks/bench_answers.py [--build portable|haswell|avx512]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

QUESTIONS = [
    "When will the open-ended working group hold its organizational session?",
    "What does the resolution say about critical infrastructure?",
    "Can States use proxies to commit internationally wrongful acts using ICTs?",
    "What should States do about ICT vulnerabilities?",
    "Which principles of the Charter did the 2015 Group identify as of central importance?",
    "What does the resolution say about the supply chain?",
    "Who should States cooperate with besides other States?",
    "What is the mandate of the open-ended working group?",
    "Which human rights resolutions should States respect?",
    "What does the resolution say about attribution of ICT incidents?",
]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


ROOT = Path(__file__).resolve().parent.parent
BUILDS = {  # name -> what it is
    "portable": "portable wheel, backend chosen for this CPU",
    "haswell": "portable wheel, haswell backend (an AVX2-only CPU)",
    "avx512": "previous build: -DGGML_AVX512=ON, one backend",
}
AVX512_CMAKE = ("-DGGML_NATIVE=OFF;-DGGML_AVX=ON;-DGGML_AVX2=ON;-DGGML_FMA=ON;-DGGML_F16C=ON;-DGGML_AVX512=ON;"
                "-DGGML_AVX512_VNNI=ON;-DGGML_AMX_TILE=OFF;-DGGML_AMX_INT8=OFF;-DGGML_AMX_BF16=OFF")


def avx512_site() -> Path:
    """The previous build, unpacked into a folder to put first on PYTHONPATH (built once, cached)."""
    import hashlib

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "unres-assistant"
    folder = cache / f"llama-cpp-python-0.3.36-bench-avx512-{hashlib.sha256(AVX512_CMAKE.encode()).hexdigest()[:12]}"
    site = folder / "site"
    if not site.is_dir():
        wheels = folder / "wheels"
        if not list(wheels.glob("*.whl")):
            print("building the previous AVX-512 llama-cpp-python for comparison (once, ~5 minutes) ...", flush=True)
            subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-cache-dir",
                            "llama-cpp-python==0.3.36", "-w", str(wheels),
                            f"--config-settings=cmake.args={AVX512_CMAKE}"], check=True)
        with zipfile.ZipFile(next(wheels.glob("*.whl"))) as wheel:
            wheel.extractall(folder / "site.partial")
        (folder / "site.partial").rename(site)
    return site


def compare_builds() -> None:
    from assistant import cpu_backend

    print(cpu_backend.report(cpu_backend.choose()), "\n", flush=True)
    results = {}
    for build, what in BUILDS.items():
        env = {k: v for k, v in os.environ.items() if k != "GGML_BACKEND_PATH"}
        if build == "avx512":
            env["PYTHONPATH"] = str(avx512_site())
        print(f"--- {build}: {what}", flush=True)
        out = subprocess.run([sys.executable, __file__, "--build", build], env=env, cwd=ROOT,
                             stdout=subprocess.PIPE, text=True)
        lines = out.stdout.splitlines()
        print("\n".join(line for line in lines if not line.startswith("{")), flush=True)
        results[build] = json.loads(next(line for line in reversed(lines) if line.startswith("{")))
    base = results["portable"]
    print("\nbuild      backend    first token p50 / p95     whole answer p50 / p95    gen tok/s   first-token p50 vs portable")
    for build, r in results.items():
        print(f"{build:<10} {r['backend']:<10} {r['ttft_p50']:6.2f} s / {r['ttft_p95']:6.2f} s     "
              f"{r['total_p50']:6.2f} s / {r['total_p95']:6.2f} s     {r['tps']:6.1f}      "
              f"{r['ttft_p50'] / base['ttft_p50']:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", choices=list(BUILDS), help="measure in this process with this build (default: all three)")
    args = parser.parse_args()
    if args.build is None:
        return compare_builds()
    from assistant import cpu_backend

    if args.build == "haswell":
        os.environ["ASSISTANT_CPU_VARIANT"] = "haswell"
    if args.build == "avx512":  # one backend compiled in: nothing to choose (the guard would refuse it)
        cpu_backend.activate = lambda *a, **k: None
        backend = "built-in"
    else:
        backend = cpu_backend.activate(os.environ.get("ASSISTANT_CPU_VARIANT")).chosen.name
    figures = measure()
    print(json.dumps({"backend": backend, **figures}))


def measure() -> dict:
    from assistant.chain import Assistant
    from assistant.context import passages_text, prompt_passages
    from assistant.features import read_question
    from assistant.config import Settings
    from assistant.llm import load_llama

    data_dir = Path(os.environ.get("ASSISTANT_DATA_DIR") or tempfile.mkdtemp(prefix="bench-"))
    settings = Settings(data_dir=data_dir, gguf_path=Settings().model_file)
    assistant = Assistant(settings, backend="llama-cpp")
    assistant.ask("warm-up: what does 1.6 say?")
    # Loads the model and fills the system prompt's KV cache (a question not measured below: a repeated
    # question would find its whole prompt cached).
    assistant.ask("What does the resolution say about confidence-building measures?")

    rows = []
    for question in QUESTIONS:
        answer = assistant.ask(question)
        t = answer.timings
        generation = t.get("generation", 0) - t.get("first_token", 0)  # the clock's marks count from the question
        completion = answer.tokens.get("completion", 0)
        rows.append({"q": question, "ttft": t.get("first_token", float("nan")), "total": t["total"],
                     "prompt": answer.tokens.get("prompt", 0), "completion": completion,
                     "tps": completion / generation if generation > 0 and completion else float("nan"),
                     "refused": answer.refused})
        print(f"{t.get('first_token', 0):5.2f} s first token  {t['total']:5.2f} s total  "
              f"{answer.tokens.get('prompt', 0):4d} prompt tok  {completion:3d} gen tok  "
              f"{'REFUSED ' if answer.refused else ''}{question}")

    # Raw llama-cpp on the same prompt as the last question: the speed the chain should match.
    llm, _ = load_llama(settings.model_file, settings.n_ctx, settings.n_threads)
    features = read_question(QUESTIONS[-1], QUESTIONS[-1], (), assistant.corpus)
    found = assistant.retrieve(QUESTIONS[-1], features, settings.top_k)
    passages = passages_text(prompt_passages(found), QUESTIONS[-1], assistant.corpus, settings.prompt_words)
    messages = assistant.prompt.invoke({"passages": passages, "question": QUESTIONS[-1]}).to_messages()
    dicts = [{"role": {"system": "system", "human": "user"}[m.type], "content": m.content} for m in messages]
    raw = []
    for _ in range(2):
        llm.reset()
        start, first, n = time.perf_counter(), None, 0
        for event in llm.create_chat_completion(messages=dicts, stream=True, max_tokens=settings.max_tokens, temperature=0):
            if event["choices"][0].get("delta", {}).get("content"):
                first = first or time.perf_counter()
                n += 1
        end = time.perf_counter()
        raw.append((first - start, n / (end - first) if n > 1 else float("nan")))

    ttft = [r["ttft"] for r in rows if not r["refused"]]
    total = [r["total"] for r in rows]
    tps = [r["tps"] for r in rows if r["tps"] == r["tps"]]
    print()
    print(f"time to first token  p50 {statistics.median(ttft):.2f} s   p95 {pct(ttft, 0.95):.2f} s   (goal p50 < 3 s)")
    print(f"whole answer         p50 {statistics.median(total):.2f} s   p95 {pct(total, 0.95):.2f} s   (goal p50 < 12 s)")
    print(f"prompt tokens        p50 {statistics.median(r['prompt'] for r in rows):.0f}   max {max(r['prompt'] for r in rows)}")
    print(f"generation (chain)   {statistics.median(tps):.1f} tokens/s (chunks streamed through LangChain)")
    print(f"generation (raw)     {statistics.median(r[1] for r in raw):.1f} tokens/s; raw prompt read "
          f"{statistics.median(r[0] for r in raw):.2f} s (cold cache)")
    return {"ttft_p50": statistics.median(ttft), "ttft_p95": pct(ttft, 0.95), "total_p50": statistics.median(total),
            "total_p95": pct(total, 0.95), "tps": statistics.median(tps)}


if __name__ == "__main__":
    main()
