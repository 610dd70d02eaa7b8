"""Answer latency with the default local model (a benchmark: prints figures, asserts nothing).

For 10 typical questions: time to first token and total time (p50, p95), prompt tokens, generated
tokens/s through the chain, and raw llama-cpp generation on the same prompt for comparison.
Goals (issue 4): first token < 3 s and whole answer < 12 s at p50; generation within 10% of raw.

    .venv/bin/python benchmarks/bench_answers.py
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
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


def main() -> None:
    from assistant.chain import Assistant, prompt_passages
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
        generation = t.get("generation", 0) - (t.get("first_token", 0) - t.get("retrieval", 0) - t.get("rewrite", 0))
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
    found = assistant.retrieve.invoke({"question": QUESTIONS[-1], "k": settings.top_k})
    passages = assistant._passages(prompt_passages(found), QUESTIONS[-1])  # noqa: SLF001 - the chain's own prompt
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


if __name__ == "__main__":
    main()
