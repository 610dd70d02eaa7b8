"""Soak test of the app (issue #17): many questions from concurrent clients against `assistant serve`.

Starts the real app as a subprocess (`python -m cli serve --port N` on 127.0.0.1, ASSISTANT_DATA_DIR =
--data-dir, default a fresh temp dir, so the index is built by the app's warm-up), waits until it answers
and its warm-up is over (the process stops using CPU), then:

- asks the first question alone (is the first question after start as fast as later ones?);
- runs the rest from C gradio_client clients at once, each its own session (conversation), taking calls
  in order from one plan: questions without history from evals/data/items.jsonl, cycling, and every
  5th call a /lookup instead (1.6, PP3, A/70/174 ¶26 in turn);
- prints errors, latency p50/p95/max of asks and lookups, the queue wait of asks (latency minus the
  server's answer time, `timings.total` of the answer record: the app answers one question at a time),
  the app's RSS after warm-up, after the first answer and at the end, in one table, also written to
  benchmarks/results/soak-<date>.md with the CPU model, date, backend and options.

    python benchmarks/soak.py                                        # 200 questions, 10 clients, llama-cpp
    python benchmarks/soak.py --backend extractive --questions 20 --clients 3

Figures are printed, never asserted; the exit code is 1 if any call failed. Long with the LLM: not in
`make bench`, run it with `make soak`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import queue
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOOKUPS = ("1.6", "PP3", "A/70/174 ¶26")
LOOKUP_EVERY = 5
K = 5  # paragraphs retrieved: the app's default (Settings.top_k)


class Kind(Enum):
    ASK = "ask"
    LOOKUP = "lookup"


@dataclass(frozen=True)
class Planned:
    n: int  # position in the plan
    kind: Kind
    text: str  # the question, or the reference looked up


@dataclass(frozen=True)
class Call:
    """One call's outcome, as the client saw it."""

    planned: Planned
    client: int
    latency: float  # seconds, call to result
    server: float | None = None  # seconds the server spent answering (timings.total), asks only
    error: str | None = None

    @property
    def wait(self) -> float | None:
        """Time queued behind other answers (and in transit)."""
        return None if self.server is None else max(0.0, self.latency - self.server)


@dataclass(frozen=True)
class Spread:
    n: int
    p50: float
    p95: float
    max: float

    @classmethod
    def of(cls, values: list[float]) -> "Spread | None":
        if not values:
            return None
        ordered = sorted(values)
        rank = lambda p: ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]  # noqa: E731 - nearest rank
        return cls(len(ordered), rank(50), rank(95), ordered[-1])

    def show(self, scale: float = 1.0, unit: str = "s") -> str:
        digits = 0 if unit == "ms" else 2
        f = lambda x: f"{x * scale:.{digits}f}"  # noqa: E731
        return f"p50 {f(self.p50)} · p95 {f(self.p95)} · max {f(self.max)} {unit} (n={self.n})"


@dataclass(frozen=True)
class Memory:
    """RSS of the app process, MB."""

    after_warm_up: float
    after_first: float
    end: float
    source: str  # psutil or /proc


def plan(questions: int, pool: list[str]) -> list[Planned]:
    """`questions` asks in pool order (cycling), and a lookup as every LOOKUP_EVERY-th call."""
    calls: list[Planned] = []
    asks = lookups = 0
    while asks < questions:
        if len(calls) % LOOKUP_EVERY == LOOKUP_EVERY - 1:
            calls.append(Planned(len(calls), Kind.LOOKUP, LOOKUPS[lookups % len(LOOKUPS)]))
            lookups += 1
        else:
            calls.append(Planned(len(calls), Kind.ASK, pool[asks % len(pool)]))
            asks += 1
    return calls


def question_pool() -> list[str]:
    items = [json.loads(line) for line in (ROOT / "evals/data/items.jsonl").read_text(encoding="utf-8").splitlines()]
    return [i["question"] for i in items if not i["history"]]


# --- the app process -------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(port: int, data_dir: Path, backend: str) -> subprocess.Popen:
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_BACKEND": backend,
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
           "ANONYMIZED_TELEMETRY": "False"}
    if "ASSISTANT_GGUF_PATH" not in env:  # a fresh data dir has no model file: use the installed one
        sys.path.insert(0, str(ROOT))
        from assistant.config import Settings

        env["ASSISTANT_GGUF_PATH"] = str(Settings().model_file)
    log = open(data_dir / "serve.log", "w")  # noqa: SIM115 - the child writes it until stopped
    return subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def stop_app(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_until_answering(url: str, process: subprocess.Popen, log: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the app did not answer within {timeout:.0f} s")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def wait_until_idle(pid: int, timeout: float = 900) -> float:
    """Seconds until the process used under 5% of a core for 3 s in a row (serve's warm-up thread done:
    encoder loaded, index built or opened; the app does not say when)."""
    started = time.monotonic()
    quiet, last = 0, cpu_seconds(pid)
    while quiet < 3 and time.monotonic() - started < timeout:
        time.sleep(1)
        now = cpu_seconds(pid)
        quiet, last = (quiet + 1 if now - last < 0.05 else 0), now
    return time.monotonic() - started


def rss_mb(pid: int) -> tuple[float, str]:
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss / 2**20, "psutil"
    except ImportError:
        line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024, "/proc/<pid>/status VmRSS"


# --- the calls ---------------------------------------------------------------------------------------
def call(client, index: int, planned: Planned, backend: str) -> Call:
    started = time.perf_counter()
    try:
        if planned.kind is Kind.LOOKUP:
            _, record = client.predict(planned.text, api_name="/lookup")
            error = None if record.get("found") else f"lookup {planned.text!r}: {record.get('error', 'not found')}"
            return Call(planned, index, time.perf_counter() - started, error=error)
        _, answer, _, _ = client.predict(planned.text, backend, K, [], api_name="/ask")
        latency = time.perf_counter() - started
        error = answer.get("error") or (None if answer.get("answer") else "empty answer")
        # The extractive fallback names itself ("extractive (fallback: ...)"): the model failed. Lookups and
        # registry answers (a display request among the questions) come from the corpus by design.
        if not error and str(answer.get("backend", "")).startswith("extractive (fallback"):
            error = f"answered by {answer.get('backend')}"
        return Call(planned, index, latency, answer.get("timings", {}).get("total"), error)
    except Exception as error:  # noqa: BLE001 - counted and reported
        return Call(planned, index, time.perf_counter() - started, error=f"{type(error).__name__}: {error}")


def run_concurrently(clients: list, todo: list[Planned], backend: str) -> list[Call]:
    """Each client takes the next call of the plan when its previous one is done."""
    pending: queue.Queue[Planned] = queue.Queue()
    for planned in todo:
        pending.put(planned)
    done: list[Call] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        while True:
            try:
                planned = pending.get_nowait()
            except queue.Empty:
                return
            result = call(clients[index], index, planned, backend)
            with lock:
                done.append(result)

    with ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(worker, range(len(clients))))
    return sorted(done, key=lambda c: c.planned.n)


# --- the report --------------------------------------------------------------------------------------
def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def summary(calls: list[Call], memory: Memory, warm_up: float, wall: float) -> list[tuple[str, str]]:
    asks = [c for c in calls if c.planned.kind is Kind.ASK and not c.error]
    lookups = [c for c in calls if c.planned.kind is Kind.LOOKUP and not c.error]
    errors = [c for c in calls if c.error]
    spread = lambda values, *a: (s.show(*a) if (s := Spread.of(values)) else "none")  # noqa: E731
    rows = [("errors", f"{len(errors)} of {len(calls)} calls"
             + "".join(f"; #{c.planned.n} {c.planned.kind.value}: {c.error[:200]}" for c in errors[:3])),
            ("ask latency", spread([c.latency for c in asks])),
            ("ask server time (timings.total)", spread([c.server for c in asks if c.server is not None])),
            ("ask queue wait (latency − server time)", spread([c.wait for c in asks if c.wait is not None])),
            ("lookup latency", spread([c.latency for c in lookups], 1000, "ms")),
            ("wall clock", f"{wall:.1f} s for {len(calls)} calls; warm-up (app start to idle) {warm_up:.1f} s")]
    first, rest = calls[0], [c for c in asks if c.planned.n != 0]
    if not first.error and first.planned.kind is Kind.ASK and rest:
        rest_server = statistics.median(c.server or 0.0 for c in rest)
        rows.append(("first question (alone) vs median of the rest",
                     f"server {first.server or 0:.2f} s vs {rest_server:.2f} s ({(first.server or 0) / max(rest_server, 1e-9):.2f}×); "
                     f"latency {first.latency:.2f} s vs {statistics.median(c.latency for c in rest):.2f} s (the rest queued)"))
    growth = (memory.end - memory.after_warm_up) / memory.after_warm_up * 100
    rows += [("app RSS after warm-up → after first answer → end",
              f"{memory.after_warm_up:.0f} → {memory.after_first:.0f} → {memory.end:.0f} MB ({memory.source})"),
             ("RSS growth, warm-up → end", f"{growth:+.1f} %")]
    return rows


def table(rows: list[tuple[str, str]]) -> str:
    return "\n".join(["| measure | value |", "|---|---|"] + [f"| {k} | {v.replace('|', '/')} |" for k, v in rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=200, help="asks in all (lookups come on top)")
    parser.add_argument("--clients", type=int, default=10, help="concurrent clients, each its own conversation")
    parser.add_argument("--backend", default="llama-cpp", choices=["llama-cpp", "openai", "extractive"])
    parser.add_argument("--port", type=int, help="default: a free port")
    parser.add_argument("--data-dir", type=Path, help="the app's ASSISTANT_DATA_DIR (default: a fresh temp dir)")
    args = parser.parse_args(argv)
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="soak-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    port = args.port or free_port()
    url = f"http://127.0.0.1:{port}/"
    load_before = os.getloadavg()[0]

    process = start_app(port, data_dir, args.backend)
    try:
        started = time.monotonic()
        wait_until_answering(url, process, data_dir / "serve.log")
        wait_until_idle(process.pid)
        warm_up = time.monotonic() - started
        rss_start, source = rss_mb(process.pid)
        print(f"app pid {process.pid} on {url}, data dir {data_dir}; ready and idle after {warm_up:.1f} s, "
              f"RSS {rss_start:.0f} MB", flush=True)

        from gradio_client import Client

        clients = [Client(url, verbose=False) for _ in range(args.clients)]
        todo = plan(args.questions, question_pool())
        t = time.perf_counter()
        calls = [call(clients[0], 0, todo[0], args.backend)]
        rss_first = rss_mb(process.pid)[0]
        calls += run_concurrently(clients, todo[1:], args.backend)
        wall = time.perf_counter() - t
        memory = Memory(rss_start, rss_first, rss_mb(process.pid)[0], source)
    finally:
        stop_app(process)

    rows = summary(calls, memory, warm_up, wall)
    now = datetime.now()
    header = (f"# Soak test, {now.isoformat(timespec='seconds')}\n\n"
              f"- CPU: {cpu_model()}, {os.cpu_count()} cores (load average {load_before:.1f} before, "
              f"{os.getloadavg()[0]:.1f} after: the machine is shared)\n"
              f"- backend {args.backend}; --questions {args.questions} --clients {args.clients}; k {K}; "
              f"a lookup every {LOOKUP_EVERY}th call ({', '.join(LOOKUPS)}); port {port}; data dir {data_dir}\n"
              f"- `python -m cli serve` as a subprocess; first question asked alone, the rest concurrently; "
              f"each client its own conversation (its asks are follow-ups of its earlier ones)\n")
    text = header + "\n" + table(rows) + "\n"
    print("\n" + text)
    out = ROOT / "benchmarks" / "results" / f"soak-{now.date().isoformat()}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"written to {out.relative_to(ROOT)}")
    return 1 if any(c.error for c in calls) else 0


if __name__ == "__main__":
    sys.exit(main())
