"""Load check of the UI: N concurrent gradio_client clients each ask one question at the same moment.

Every client must receive a complete answer (a final answer record with text, no error). The LLM answers
one question at a time (concurrency_limit=1 on the ask event), so the others wait in Gradio's queue;
the script prints, per client, the time spent queued (submit -> processing) and the total time, then
p50/p95 of both, and the latency of lookups made while the queue is full (they bypass the queue).

    python benchmarks/load_ui.py                       # starts the app in-process, extractive backend
    python benchmarks/load_ui.py --backend llama-cpp   # the local LLM (about 5-10 s per answer on 2 cores)
    python benchmarks/load_ui.py --url http://127.0.0.1:7860/   # an app already running

Figures are printed, never asserted; the exit code is 1 if any client failed or got an incomplete answer.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation: with 10 values p95 is the largest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def questions(n: int) -> list[str]:
    items = [json.loads(line) for line in (ROOT / "evals/data/items.jsonl").read_text(encoding="utf-8").splitlines()]
    answerable = [i["question"] for i in items if i["category"] == "factual" and not i["history"]]
    return [answerable[i % len(answerable)] for i in range(n)]


def start_app(backend: str, data_dir: Path | None):
    from assistant.chain import Assistant
    from assistant.config import Settings
    from ui.app import build_app, launch

    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="load-ui-"))
    settings = Settings(data_dir=data_dir, gguf_path=Settings().model_file)
    assistant = Assistant(settings, backend=backend)
    t = time.perf_counter()
    assistant.searcher  # noqa: B018 - index and models ready before the clock starts, as after serve's warm-up
    print(f"index and encoder ready in {time.perf_counter() - t:.1f} s (data dir {data_dir})")
    app = build_app(assistant)
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    return f"http://127.0.0.1:{port}/", app


def one_client(url: str, question: str, backend: str, k: int, barrier: threading.Barrier) -> dict:
    from gradio_client import Client
    from gradio_client.utils import Status

    client = Client(url, verbose=False)
    barrier.wait()
    submitted = time.perf_counter()
    job = client.submit(question, backend, k, [], api_name="/ask")
    processing_at, best_rank = None, 0
    while not job.done():
        status = job.status()
        if status.code == Status.IN_QUEUE and status.rank is not None:
            best_rank = max(best_rank, status.rank + 1)
        if processing_at is None and status.code in (Status.PROCESSING, Status.ITERATING, Status.FINISHED):
            processing_at = time.perf_counter()
        time.sleep(0.02)
    record = {"question": question, "rank": best_rank}
    try:
        page, answer, status_text, _ = job.result()
    except Exception as error:  # noqa: BLE001 - reported, counted as a failure
        record.update(ok=False, error=f"{type(error).__name__}: {error}")
        return record
    done = time.perf_counter()
    processing_at = processing_at or done
    complete = bool(answer) and "error" not in answer and bool(answer.get("answer")) and "ua-foot" in page
    record.update(ok=complete, error=None if complete else (answer or {}).get("error", "incomplete answer"),
                  wait=processing_at - submitted, total=done - submitted, refused=answer.get("refused"),
                  backend=answer.get("backend"), citations=[c["citation"] for c in answer.get("citations", [])])
    return record


def lookups_during(url: str, stop: threading.Event, out: list[float]) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    time.sleep(0.3)
    while not stop.is_set():
        t = time.perf_counter()
        _, record = client.predict("1.6", api_name="/lookup")
        out.append(time.perf_counter() - t)
        assert record["found"]
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="an app already running (default: start one in-process)")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--backend", default="extractive", choices=["extractive", "llama-cpp", "openai"])
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, help="data dir for the in-process app (default: a fresh temp dir)")
    args = parser.parse_args(argv)

    app = None
    url = args.url
    if url is None:
        url, app = start_app(args.backend, args.data_dir)
    try:
        from gradio_client import Client

        Client(url, verbose=False).predict("What does 1.6 say?", args.backend, args.k, [], api_name="/ask")  # warm
        barrier = threading.Barrier(args.clients)
        stop, lookup_times = threading.Event(), []
        watcher = threading.Thread(target=lookups_during, args=(url, stop, lookup_times), daemon=True)
        started = time.perf_counter()
        watcher.start()
        with ThreadPoolExecutor(args.clients) as pool:
            records = list(pool.map(lambda q: one_client(url, q, args.backend, args.k, barrier), questions(args.clients)))
        wall = time.perf_counter() - started
        stop.set()
        watcher.join(timeout=30)
    finally:
        if app is not None:
            app.close()

    print(f"\n{args.clients} concurrent clients, backend {args.backend}, {url}")
    print(f"{'#':>2} {'ok':<3} {'max rank':>8} {'wait s':>7} {'total s':>8}  question")
    for n, r in enumerate(sorted(records, key=lambda r: r.get("total", 1e9)), start=1):
        print(f"{n:>2} {'yes' if r['ok'] else 'NO':<3} {r['rank']:>8} {r.get('wait', float('nan')):>7.2f} "
              f"{r.get('total', float('nan')):>8.2f}  {r['question'][:70]}" + (f"  ERROR {r['error']}" if r.get("error") else ""))
    good = [r for r in records if r["ok"]]
    failed = len(records) - len(good)
    if good:
        waits, totals = [r["wait"] for r in good], [r["total"] for r in good]
        print(f"\nqueue wait  p50 {percentile(waits, 50):.2f} s   p95 {percentile(waits, 95):.2f} s   max {max(waits):.2f} s")
        print(f"total       p50 {percentile(totals, 50):.2f} s   p95 {percentile(totals, 95):.2f} s   max {max(totals):.2f} s")
        print(f"wall clock  {wall:.2f} s for {len(records)} answers; refused {sum(1 for r in good if r['refused'])}; "
              f"backends {sorted({r['backend'] for r in good})}")
    if lookup_times:
        print(f"lookups while the queue was busy: {len(lookup_times)}, p50 {percentile(lookup_times, 50) * 1000:.0f} ms, "
              f"max {max(lookup_times) * 1000:.0f} ms")
    print(f"complete answers: {len(good)}/{len(records)}; errors: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
