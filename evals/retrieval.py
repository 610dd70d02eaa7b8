"""Retrieval quality: recall@1/3/5/10, MRR@10 and nDCG@10 of dense, BM25 and hybrid search.

Gold labels in evals/data/retrieval.jsonl are citation keys ("A/C.1/73/L.27/Rev.1 ¶1.6"); a question
may have several (the same sentence in two resolutions). Recall@k is the share of a question's gold
paragraphs in its top k; MRR uses the first gold paragraph in the top 10; nDCG@10 uses binary gains.
The index is built from the shipped corpus into a temporary folder unless --index-dir is given.

    python -m evals retrieval [--out evals/results/retrieval.json] [--index-dir DIR] [--host H --port P]

>>> from evals.retrieval import metrics
>>> metrics(["a", "b", "c"], ["b"])["mrr"]
0.5
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data" / "retrieval.jsonl"
OUT = ROOT / "results" / "retrieval.json"
MODES = ("dense", "bm25", "hybrid")
CUTOFFS = (1, 3, 5, 10)
COLUMNS = [f"recall@{k}" for k in CUTOFFS] + ["mrr", "ndcg@10"]


def load_items(path: Path = DATA) -> list[dict[str, Any]]:
    """The eval questions: {"id", "question", "gold": [citation keys]}."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def metrics(ranked: list[str], gold: list[str]) -> dict[str, float]:
    """Every column for one question, from the ranked citation keys (best first)."""
    wanted = set(gold)
    row = {f"recall@{k}": len(wanted & set(ranked[:k])) / len(wanted) for k in CUTOFFS}
    first = next((i for i, key in enumerate(ranked[:10], start=1) if key in wanted), None)
    row["mrr"] = 1.0 / first if first else 0.0
    dcg = sum(1.0 / math.log2(i + 1) for i, key in enumerate(ranked[:10], start=1) if key in wanted)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(wanted), 10) + 1))
    row["ndcg@10"] = dcg / ideal
    return row


def evaluate(searcher: Any, items: list[dict[str, Any]], modes: tuple[str, ...] = MODES) -> dict[str, Any]:
    """Mean of each metric per mode, plus the misses (gold not in the top 5) of each mode."""
    results: dict[str, Any] = {}
    for mode in modes:
        rows, misses = [], []
        for item in items:
            ranked = [h.paragraph.citation.key for h in searcher.search(item["question"], k=10, mode=mode)]
            row = metrics(ranked, item["gold"])
            rows.append(row)
            if row["recall@5"] < 1.0:
                misses.append({"id": item["id"], "gold": item["gold"], "top5": ranked[:5]})
        results[mode] = {col: round(sum(r[col] for r in rows) / len(rows), 4) for col in COLUMNS}
        results[mode]["misses"] = misses
    return results


def table(results: dict[str, Any]) -> str:
    """The metrics side by side, one row per mode."""
    lines = [f"{'mode':<8}" + "".join(f"{c:>11}" for c in COLUMNS)]
    for mode, row in results.items():
        lines.append(f"{mode:<8}" + "".join(f"{row[c]:>11.3f}" for c in COLUMNS))
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=OUT, help=f"JSON results (default {OUT.relative_to(ROOT.parent)})")
    parser.add_argument("--data", type=Path, default=DATA, help="eval questions (JSONL)")
    parser.add_argument("--index-dir", type=Path, default=None, help="Chroma folder to sync and use (default: a temp folder)")
    parser.add_argument("--host", default=None, help="Chroma server host instead of a folder")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--model", type=Path, default=None, help="sentence-transformers folder (default: packaged MiniLM)")


def run(args: argparse.Namespace) -> int:
    from corpus.store import load_corpus
    from embeddings.hybrid import HybridSearcher

    items = load_items(args.data)
    corpus = load_corpus()
    with tempfile.TemporaryDirectory(prefix="eval-index-") as tmp:
        started = time.perf_counter()
        searcher = HybridSearcher.open(corpus, model_path=args.model, path=None if args.host else (args.index_dir or Path(tmp)),
                                       host=args.host, port=args.port)
        results = evaluate(searcher, items)
        seconds = time.perf_counter() - started
    print(f"{len(items)} questions, corpus {corpus.version}, model {searcher.encoder.model_id}, "
          f"fusion {searcher.fusion} ({seconds:.1f} s)")
    print(table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"questions": len(items), "corpus_version": corpus.version, "model_id": searcher.encoder.model_id,
               "fusion": searcher.fusion, "rrf_k": searcher.rrf_k, "alpha": searcher.alpha, "modes": results}
    args.out.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written to {args.out}")
    return 0
