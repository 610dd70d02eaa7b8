"""Scale benchmark (a script, not a test): index build, incremental sync and search at 1k-100k paragraphs.

The corpora are built from the shipped texts (`synthetic_corpus`): paragraph i takes 2-4 sentences
drawn from different shipped paragraphs (sentence recombination across paragraphs, seeded by i) and
a numbered variation ("In addendum <i>, ..."), so no two paragraphs are the same text. Documents hold
100 paragraphs each (the first 20 preambular `PP<n>`, then operative `<n>`), symbols `A/SYN/<d>`.
Paragraph i is the same in every size, so corpus(n * 1.01) is corpus(n) plus 1% new paragraphs.

For each size, in its own process (so peak RSS is that size's):
- raw encode: the model's `encode` of the chunk texts (at most --real-limit of them), chunks/s;
- index build: a full `sync_index` into an empty store, and its throughput against raw encode;
  above --real-limit paragraphs the vectors are NOT computed by the model: each is a real vector
  of one of the first --real-limit chunks plus Gaussian noise, renormalised (said in the output);
- incremental sync of 1% new paragraphs: time, chunks encoded, vectors kept in place;
- searcher open (chunks + BM25 built from scratch, as after every corpus change);
- search p50/p95 over 50 eval questions (evals/data/retrieval.jsonl), dense, BM25 and hybrid
  separately, and hybrid restricted to one document, the query encoding included;
- peak RSS of the process, disk size of the store.

Embedded Chroma by default; `--server` starts a real `chroma run` per size on 127.0.0.1 (its RSS is
not in the client's peak RSS; its folder is the disk size). Prints a table and writes it to
benchmarks/results/scale-<date>.md with the CPU model and the date.

    python benchmarks/bench_scale.py [--sizes 1000,10000,100000] [--server] [--real-limit 10000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DOC_SIZE = 100  # paragraphs per synthetic document
PREAMBLE = 20  # of which preambular
QUERIES = 50
NOISE = 0.05  # per-coordinate std of the perturbation of derived vectors (384-d: cosine to the source ~0.7)
SENTENCE = re.compile(r"(?<=[.;:])\s+(?=[A-Z(])")


def _sentences() -> list[str]:
    """Sentences (or ;-clauses) of every shipped body paragraph, at least 6 words, in order."""
    from corpus.store import load_corpus

    out: list[str] = []
    for paragraph in load_corpus().paragraphs():
        if paragraph.kind in ("header", "footnote"):
            continue
        out += [s.strip() for s in SENTENCE.split(paragraph.text) if len(s.split()) >= 6]
    return out


def synthetic_paragraph_text(i: int, sentences: list[str]) -> str:
    """Paragraph i: 2-4 recombined shipped sentences and a numbered variation (deterministic in i)."""
    rng = random.Random(f"scale-{i}")
    picked = rng.sample(range(len(sentences)), rng.randint(2, 4))
    parts = [sentences[k] for k in picked]
    first = parts[0]
    parts[0] = f"In addendum {i}, {first[0].lower()}{first[1:]}"
    return " ".join(parts)


def synthetic_corpus(n: int, sentences: list[str] | None = None):
    """A Corpus of n synthetic paragraphs (see the module docstring); its version depends on n only."""
    from corpus.records import Document, DocumentInfo, Paragraph
    from corpus.store import Corpus

    sentences = sentences if sentences is not None else _sentences()
    documents = {}
    for d in range((n + DOC_SIZE - 1) // DOC_SIZE):
        symbol = f"A/SYN/{d + 1}"
        paragraphs = []
        for position in range(min(DOC_SIZE, n - d * DOC_SIZE)):
            i = d * DOC_SIZE + position
            preambular = position < PREAMBLE
            label = f"PP{position + 1}" if preambular else str(position - PREAMBLE + 1)
            paragraphs.append(Paragraph(symbol, label, "preambular" if preambular else "operative",
                                        synthetic_paragraph_text(i, sentences), position))
        info = DocumentInfo(symbol, f"Synthetic scale document {d + 1} on ICT security", "2020-01-01")
        documents[symbol] = Document(info, tuple(paragraphs))
    return Corpus(documents, hashlib.sha256(f"scale-{n}".encode()).hexdigest()[:16])


class DerivedVectors:
    """Stand-in vectors above the real limit: a real vector + Gaussian noise, renormalised."""

    def __init__(self, real: "object", seed: int = 0) -> None:
        import numpy as np

        self.real = np.asarray(real, dtype=np.float32)
        self.rng = np.random.default_rng(seed)

    def __call__(self, texts: list[str]):
        import numpy as np

        rows = [int(hashlib.md5(t.encode()).hexdigest()[:8], 16) % len(self.real) for t in texts]
        vectors = self.real[rows] + self.rng.normal(0, NOISE, (len(texts), self.real.shape[1])).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def disk_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def run_one(n: int, real_limit: int, host: str | None, port: int, store: Path) -> dict:
    """Measure one size in this process; returns the row."""
    from embeddings.chunks import corpus_chunks
    from embeddings.encoder import Encoder
    from embeddings.hybrid import HybridSearcher
    from embeddings.index import make_client, open_index, sync_index

    sentences = _sentences()
    corpus = synthetic_corpus(n, sentences)
    grown = synthetic_corpus(n + max(1, n // 100), sentences)
    encoder = Encoder()
    encoder.model  # loaded before any timing
    chunks = corpus_chunks(corpus, encoder.token_spans, encoder.max_tokens)
    texts = [c.text for c in chunks]
    assert len(set(texts)) == len(texts), "synthetic paragraphs must not repeat"

    real_texts = texts[:real_limit]
    encoder.encode(real_texts[:32])  # warm-up
    started = time.perf_counter()
    real_vectors = encoder.encode(real_texts)
    raw_seconds = time.perf_counter() - started
    raw_rate = len(real_texts) / raw_seconds

    derived = n > real_limit
    if derived:  # the index's encoder gives stand-in vectors; queries still use the real model
        stand_in = DerivedVectors(real_vectors)
        encoder.embed_documents = lambda batch: stand_in(batch).tolist()  # type: ignore[method-assign]

    client = make_client(store if not host else None, host, port)
    started = time.perf_counter()
    built = sync_index(corpus, encoder, client=client, batch_size=256)
    build_seconds = time.perf_counter() - started

    started = time.perf_counter()
    synced = sync_index(grown, encoder, client=client, batch_size=256)
    sync_seconds = time.perf_counter() - started

    started = time.perf_counter()
    searcher = HybridSearcher(grown, encoder, open_index(encoder, client=client))
    open_seconds = time.perf_counter() - started

    questions = [json.loads(line)["question"] for line in
                 (ROOT / "evals" / "data" / "retrieval.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = questions[:QUERIES]
    latency: dict[str, list[float]] = {"dense": [], "bm25": [], "hybrid": [], "scoped": []}
    scope = ["A/SYN/1"]  # "Search only in" one document: the metadata filter and the BM25 mask
    for question in questions[:3]:
        searcher.search(question, k=10)  # warm-up
    for question in questions:
        for mode in latency:
            started = time.perf_counter()
            if mode == "scoped":
                searcher.search(question, k=10, symbols=scope)
            else:
                searcher.search(question, k=10, mode=mode)
            latency[mode].append((time.perf_counter() - started) * 1000)

    return {
        "paragraphs": n, "chunks": len(chunks), "vectors": "derived" if derived else "model",
        "raw_encoded": len(real_texts), "raw_rate": raw_rate,
        "build_seconds": build_seconds, "build_rate": built.chunks / build_seconds,
        "build_vs_raw": (built.chunks / build_seconds) / raw_rate,
        "sync_new": synced.added, "sync_encoded": synced.encoded, "sync_reused": synced.reused,
        "sync_seconds": sync_seconds, "open_seconds": open_seconds,
        **{f"{m}_p50": statistics.median(v) for m, v in latency.items()},
        **{f"{m}_p95": percentile(v, 0.95) for m, v in latency.items()},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "disk_mb": disk_mb(store) if store.exists() else 0.0,
        "load": os.getloadavg()[0],
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(path: Path) -> tuple[subprocess.Popen, int]:
    """A real `chroma run` on 127.0.0.1, waited for (bounded)."""
    import urllib.request

    port = _free_port()
    chroma = Path(sys.executable).with_name("chroma")
    server = subprocess.Popen([str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            return server, port
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("chroma run did not answer within 60 s")


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


COLUMNS = [
    ("paragraphs", "paragraphs", "{:,}"), ("chunks", "chunks", "{:,}"), ("vectors", "vectors", "{}"),
    ("raw_rate", "raw encode chunks/s", "{:.1f}"), ("build_seconds", "build s", "{:.1f}"),
    ("build_rate", "build chunks/s", "{:.1f}"), ("build_vs_raw", "build/raw", "{:.2f}"),
    ("sync_seconds", "sync +1% s", "{:.1f}"), ("sync_encoded", "encoded", "{:,}"),
    ("sync_reused", "kept in place", "{:,}"),
    ("open_seconds", "searcher open s", "{:.2f}"),
    ("dense_p50", "dense p50 ms", "{:.1f}"), ("dense_p95", "dense p95", "{:.1f}"),
    ("bm25_p50", "BM25 p50 ms", "{:.1f}"), ("bm25_p95", "BM25 p95", "{:.1f}"),
    ("hybrid_p50", "hybrid p50 ms", "{:.1f}"), ("hybrid_p95", "hybrid p95", "{:.1f}"),
    ("scoped_p50", "hybrid 1 doc p50 ms", "{:.1f}"), ("scoped_p95", "hybrid 1 doc p95", "{:.1f}"),
    ("peak_rss_mb", "peak RSS MB", "{:.0f}"), ("disk_mb", "disk MB", "{:.1f}"), ("load", "load avg", "{:.1f}"),
]


def table(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(title for _, title, _ in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        lines.append("| " + " | ".join(fmt.format(row[key]) for key, _, fmt in COLUMNS) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated paragraph counts")
    parser.add_argument("--real-limit", type=int, default=10000, help="above this many chunks, vectors are derived")
    parser.add_argument("--server", action="store_true", help="a real `chroma run` server per size")
    parser.add_argument("--out", type=Path, default=None, help="default benchmarks/results/scale-<date>.md")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child: measure one size
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--host", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=8000, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

    if args.one:
        print(json.dumps(run_one(args.one, args.real_limit, args.host, args.port, args.store)))
        return 0

    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    rows = []
    for n in sizes:
        tmp = Path(tempfile.mkdtemp(prefix=f"bench-scale-{n}-"))
        server = None
        try:
            command = [sys.executable, __file__, "--one", str(n), "--real-limit", str(args.real_limit),
                       "--store", str(tmp / "chroma")]
            if args.server:
                server, port = _start_server(tmp / "chroma")
                command += ["--host", "127.0.0.1", "--port", str(port)]
            print(f"size {n:,}: running ...", file=sys.stderr, flush=True)
            child = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
            if child.returncode != 0:
                print(child.stderr, file=sys.stderr)
                return 1
            row = json.loads(child.stdout.strip().splitlines()[-1])
            if server:
                status = Path(f"/proc/{server.pid}/status").read_text()
                row["server_rss_mb"] = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
            rows.append(row)
            print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
        finally:
            if server:
                server.terminate()
                server.wait(timeout=30)
            shutil.rmtree(tmp, ignore_errors=True)

    from embeddings.encoder import Encoder

    import chromadb

    stamp = datetime.now().isoformat(timespec="seconds")
    notes = [
        f"# Scale benchmark, {stamp}",
        "",
        f"- CPU: {cpu_model()}, {os.cpu_count()} cores (shared with other work: see the load average column)",
        f"- model {Encoder().model_id}; chromadb {chromadb.__version__}; "
        f"store: {'a `chroma run` server on 127.0.0.1' if args.server else 'embedded Chroma (PersistentClient)'}",
        "- corpora: shipped sentences recombined across paragraphs (2-4 per paragraph, seeded by the paragraph "
        "number) plus a numbered variation (\"In addendum <i>, ...\"): every paragraph text differs",
        f"- vectors \"model\": computed by the model; \"derived\": above {args.real_limit:,} chunks the index holds "
        f"real vectors of the first {args.real_limit:,} chunks plus Gaussian noise (sigma {NOISE}), renormalised, "
        "NOT model outputs; raw encode is then measured on those real chunks only, and build/raw compares a build "
        "without encoding against encoding",
        "- sync +1%: a second `sync_index` with 1% new paragraphs (new documents' paragraphs); encoded = vectors "
        "computed, kept in place = vectors neither encoded nor written (the change is applied in place)",
        "- searcher open: `HybridSearcher(...)`: every chunk again + the BM25 index from scratch (done after every "
        "corpus change); search latency: 50 eval questions, k=10, query encoding included; hybrid 1 doc: the same "
        "restricted to one document of 100 paragraphs (Chroma metadata filter + BM25 mask)",
        "",
        table(rows),
    ]
    if args.server:
        notes += ["", "Server peak RSS (MB): " + ", ".join(f"{r['paragraphs']:,}: {r['server_rss_mb']:.0f}" for r in rows)]
    text = "\n".join(notes) + "\n"
    print(text)
    out = args.out or ROOT / "benchmarks" / "results" / f"scale-{date.today().isoformat()}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
