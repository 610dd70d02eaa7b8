"""Retrieval quality: recall@1/3/5/10, MRR@10 and nDCG@10 of dense, BM25 and hybrid search.

Gold labels in evals/data/retrieval.jsonl are citation keys ("A/C.1/73/L.27/Rev.1 ¶1.6"); a question
may have several (the same sentence in two resolutions). Recall@k is the share of a question's gold
paragraphs in its top k; MRR uses the first gold paragraph in the top 10; nDCG@10 uses binary gains.
The index is built from the shipped corpus into a temporary folder unless --index-dir is given; each
model's index is kept apart (`DIR/<model_id>/`, or a collection per encoder on a Chroma server), so
two models' vectors are never mixed. `--encoder` chooses the model (embeddings/encoder_factory.py:
minilm, the default, mpnet, nomic, e5). Also printed: the model's load and the index build seconds,
and each mode's query latency p50/p95 (query encoding included).

    python -m evals retrieval [--encoder minilm|mpnet|nomic|e5] [--data FILE] [--glossary] [--out evals/results/retrieval.json]
                              [--index-dir DIR] [--host H --port P]

>>> from evals.retrieval import metrics
>>> metrics(["a", "b", "c"], ["b"])["mrr"]
0.5
>>> percentile([10.0, 20.0, 30.0, 40.0], 50)
25.0
"""

from __future__ import annotations

import argparse
import json
import math
import re
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
LATENCY = ("query_ms_p50", "query_ms_p95")  # per mode, from the wall time of each search call


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


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile, linear between the nearest ranks (numpy's default method)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * pct / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class AnswerRetrieval:
    """Retrieval as an answer sees it (mode "assistant"): the question's scope read first ("this draft"
    -> the resolution, a named symbol -> that document; rule `scope`), then hybrid search, then rule
    `own_wording_first`. With `translate` (a backend name), a question in another UN language is first
    translated into English by that model, as answers do (assistant/translation.py). `glossary` and
    `expand` add to the query, measured only: answers use neither."""

    def __init__(self, searcher: Any, translate: str | None = None, expand: str | None = None,
                 glossary: bool = False) -> None:
        from assistant.chain import Assistant
        from assistant.config import Settings

        self.assistant = Assistant(Settings(), backend=translate or expand or "extractive", corpus=searcher.corpus,
                                   searcher=searcher)
        self.translate, self.expand, self.glossary = translate, expand, glossary

    def search(self, question: str, k: int = 10, mode: str = "hybrid") -> list[Any]:
        from assistant import prompts
        from assistant.features import read_question
        from assistant.language import ENGLISH, detect
        from corpus.vocabulary import load_vocabulary

        query, language = question, detect(question)
        if self.translate and language is not ENGLISH:
            query = self.assistant.translate(question, prompts.TRANSLATE_QUESTION_SYSTEM, language, self.translate) or question
        features = read_question(query, query, [], self.assistant.corpus)
        if self.glossary:  # after translation: the glossary is English
            query = load_vocabulary().expand(query)
        if self.expand:  # the user's words and the documents' vocabulary, searched as one query
            messages = [("system", prompts.VOCABULARY_SYSTEM), ("human", query)]
            restated = self.assistant.llm(self.expand, "aux").invoke(messages, max_tokens=80).content.strip()
            query = f"{query} {restated.splitlines()[0] if restated else ''}".strip()
        return self.assistant.retrieve(query, features, k)


def evaluate(searcher: Any, items: list[dict[str, Any]], modes: tuple[str, ...] = MODES,
             translate: str | None = None, expand: str | None = None, glossary: bool = False) -> dict[str, Any]:
    """Per mode: the mean of each metric, the same per group (an item's "lang" and "category", when
    given), the misses (gold not in the top 5), each item's top 10, and the query latency p50/p95 in ms
    (one search call: query encoding, both rankings, fusion). Mode "assistant" is `AnswerRetrieval`.
    With `glossary`, every question is first followed by the documents' words for its everyday phrases
    (corpus/vocabulary.py), as `assistant search` does (setting search_glossary)."""
    from corpus.vocabulary import load_vocabulary

    results: dict[str, Any] = {}
    answers = AnswerRetrieval(searcher, translate, expand, glossary) if "assistant" in modes else None
    searched = load_vocabulary().expand if glossary else str
    for mode in modes:
        rows, misses, seconds, ranks = [], [], [], []
        for item in items:
            started = time.perf_counter()
            if mode == "assistant":
                ranked = [f.paragraph.citation.key for f in answers.search(item["question"], k=10)]
            else:
                ranked = [h.paragraph.citation.key for h in searcher.search(searched(item["question"]), k=10, mode=mode)]
            seconds.append(time.perf_counter() - started)
            row = metrics(ranked, item["gold"])
            rows.append(row)
            ranks.append({"id": item["id"], "top10": ranked})
            if row["recall@5"] < 1.0:
                misses.append({"id": item["id"], "gold": item["gold"], "top5": ranked[:5]})
        results[mode] = mean(rows)
        ms = [1000 * s for s in seconds]
        results[mode].update({LATENCY[0]: round(percentile(ms, 50), 1), LATENCY[1]: round(percentile(ms, 95), 1)})
        groups: dict[str, list[dict[str, float]]] = {}
        for item, row in zip(items, rows):
            for key in ("lang", "category"):
                if key in item:
                    groups.setdefault(f"{key}={item[key]}", []).append(row)
        results[mode]["groups"] = {name: {"n": len(group), **mean(group)} for name, group in sorted(groups.items())}
        results[mode]["misses"] = misses
        results[mode]["items"] = ranks
    return results


def mean(rows: list[dict[str, float]]) -> dict[str, float]:
    return {col: round(sum(r[col] for r in rows) / len(rows), 4) for col in COLUMNS}


def group_table(results: dict[str, Any], columns: tuple[str, ...] = ("recall@1", "recall@5", "mrr")) -> str:
    """recall@1/@5 and MRR per group (language, category), one column block per mode."""
    modes = [m for m in results if results[m].get("groups")]
    if not modes:
        return ""
    names = list(results[modes[0]]["groups"])
    lines = [f"{'group':<22}{'n':>4}" + "".join(f"{m + ' ' + c.replace('recall', 'R'):>16}" for m in modes for c in columns)]
    for name in names:
        row = [results[m]["groups"][name] for m in modes]
        lines.append(f"{name:<22}{row[0]['n']:>4}" + "".join(f"{r[c]:>16.3f}" for r in row for c in columns))
    return "\n".join(lines)


def table(results: dict[str, Any]) -> str:
    """The metrics side by side, one row per mode."""
    lines = [f"{'mode':<8}" + "".join(f"{c:>11}" for c in COLUMNS) + "".join(f"{c:>14}" for c in LATENCY)]
    for mode, row in results.items():
        lines.append(f"{mode:<8}" + "".join(f"{row[c]:>11.3f}" for c in COLUMNS)
                     + "".join(f"{row[c]:>14.1f}" if c in row else f"{'':>14}" for c in LATENCY))
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=OUT, help=f"JSON results (default {OUT.relative_to(ROOT.parent)})")
    parser.add_argument("--data", type=Path, default=DATA, help="eval questions (JSONL)")
    parser.add_argument("--index-dir", type=Path, default=None, help="folder of the indexes to sync and use, one subfolder per model_id (default: a temp folder)")
    parser.add_argument("--host", default=None, help="Chroma server host instead of a folder")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--model", type=Path, default=None, help="sentence-transformers folder for --encoder minilm (default: packaged MiniLM)")
    parser.add_argument("--encoder", default=None, help="embedding model: minilm (default), mpnet, nomic or e5")
    parser.add_argument("--assistant", action="store_true", help="also mode 'assistant': retrieval as answers do it (scope, own wording first)")
    parser.add_argument("--translate", default=None, metavar="BACKEND", help="mode 'assistant' translates questions in other UN languages into English with this backend (llama-cpp, openai), as answers do")
    parser.add_argument("--glossary", action="store_true", help="every question followed by the documents' words for its everyday phrases (corpus/vocabulary.toml), as `assistant search` does; in mode 'assistant', measured only (answers do not use it)")
    parser.add_argument("--expand", default=None, metavar="BACKEND", help="mode 'assistant' adds the question restated in the documents' vocabulary by this backend to the query (measured, not used by answers)")


def index_folder(base: Path, model_id: str) -> Path:
    """The model's own index folder under `base`: `base/<model_id>` (file-name safe).

    >>> index_folder(Path("idx"), "nomic-embed-text-v1.5.f16-768d-f7af6f66").as_posix()
    'idx/nomic-embed-text-v1.5.f16-768d-f7af6f66'
    """
    return base / re.sub(r"[^A-Za-z0-9._-]+", "_", model_id)


def run(args: argparse.Namespace) -> int:
    from assistant import resources
    from assistant.config import Settings
    from corpus.store import load_corpus
    from embeddings.encoder_factory import DEFAULT_ENCODER, ENCODERS
    from embeddings.hybrid import HybridSearcher
    from embeddings.index import DEFAULT_COLLECTION, make_client, sync_index

    name = getattr(args, "encoder", None) or DEFAULT_ENCODER
    if name not in ENCODERS:
        raise SystemExit(f"--encoder: choose one of {', '.join(ENCODERS)}, not {name!r}")
    items = load_items(args.data)
    corpus = load_corpus()
    encoder = resources.encoder(Settings(encoder=name, embedding_model=getattr(args, "model", None)))
    collection = f"{DEFAULT_COLLECTION}-{name}" if args.host else DEFAULT_COLLECTION
    with tempfile.TemporaryDirectory(prefix="eval-index-") as tmp:
        started = time.perf_counter()
        encoder.model  # loaded before the build is timed
        load_seconds = time.perf_counter() - started
        path = None if args.host else index_folder(args.index_dir or Path(tmp), encoder.model_id)
        client = make_client(path, args.host, args.port)
        report = sync_index(corpus, encoder, client=client, collection=collection)
        searcher = HybridSearcher.open(corpus, path=path, host=args.host, port=args.port, collection=collection,
                                       sync=False, encoder=encoder)
        wants_assistant = args.assistant or args.translate or args.expand
        results = evaluate(searcher, items, MODES + (("assistant",) if wants_assistant else ()),
                           args.translate, args.expand, args.glossary)
        seconds = time.perf_counter() - started
    print(f"{len(items)} questions, corpus {corpus.version}, model {encoder.model_id} (encoder {name}), "
          f"fusion {searcher.fusion} ({seconds:.1f} s)")
    print(f"model load {load_seconds:.1f} s; index build {report.seconds:.1f} s "
          f"({report.encoded} chunks encoded, {report.reused} reused, {report.chunks} in the index)")
    print(table(results))
    if any("lang" in item or "category" in item for item in items):
        print(group_table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"questions": len(items), "corpus_version": corpus.version, "model_id": encoder.model_id,
               "encoder": name, "load_seconds": round(load_seconds, 2), "build_seconds": round(report.seconds, 2),
               "chunks": report.chunks, "encoded": report.encoded,
               "fusion": searcher.fusion, "rrf_k": searcher.rrf_k, "alpha": searcher.alpha, "modes": results}
    args.out.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written to {args.out}")
    return 0
