"""Run the eval items through the assistant and score every answer (see evals/README.md).

    python -m evals answers [--suite fast|full] [--backend llama-cpp|openai|extractive] [--out DIR]

An item is {"id", "category", "history": [earlier user questions], "question", "gold": [citation keys],
"key_facts": ["alt1|alt2", ...], "refuse": bool}. A follow-up item asks its history questions first, in
the same conversation (each answer becomes history for the next question), then its own question.

`ask_items` only asks (the LLM answers every item before any judging, so llama.cpp keeps reusing the
answer prompt's prefix); `score_records` then judges and scores each answer; `aggregate` gives the metrics.
"""

from __future__ import annotations

import argparse
import atexit
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from evals import metrics as M

ROOT = Path(__file__).resolve().parent
ITEMS = ROOT / "data" / "items.jsonl"
# The CI fast suite's LLM sample: one of each kind of question, incl. an unanswerable and a follow-up.
LLM_SAMPLE = ("q025", "q035", "q060", "q077", "q087", "q109")


def load_items(path: Path = ITEMS, ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if ids is not None:
        wanted = list(ids)
        by_id = {i["id"]: i for i in items}
        missing = [i for i in wanted if i not in by_id]
        if missing:
            raise KeyError(f"no eval items {missing} in {path}")
        items = [by_id[i] for i in wanted]
    return items


def make_assistant(backend: str = "extractive", data_dir: Path | None = None) -> Any:
    """An Assistant on the shipped corpus with its own index in a fresh folder (removed at exit), so
    evals never race another process over data/chroma nor see a user's ingested documents. The model
    file and every other setting come from the environment as usual."""
    from assistant.chain import Assistant
    from assistant.config import Settings

    if data_dir is None:
        data_dir = Path(tempfile.mkdtemp(prefix="evals-data-"))
        atexit.register(shutil.rmtree, data_dir, True)
    base = Settings()
    settings = Settings(data_dir=data_dir, gguf_path=base.model_file, backend=backend)
    return Assistant(settings, backend=backend)


def _answer_record(answer: Any) -> dict[str, Any]:
    return {
        "answer": answer.text, "route": answer.kind.value, "refused": answer.refused, "backend": answer.backend,
        "refusal_reason": answer.refusal.value if answer.refusal else "", "rule": answer.rule, "draft": answer.draft,
        "related": [s.text for s in answer.related], "notes": answer.notes,
        "answerable_probability": None if answer.answerable_probability is None else round(answer.answerable_probability, 3),
        "refusal_probability": None if answer.refusal_probability is None else round(answer.refusal_probability, 3),
        "standalone": answer.standalone_question,
        "sentences": [{"text": s.text, "citations": [c.key for c in s.citations], "system_supported": s.supported,
                       "system_score": round(float(s.score), 3)} for s in answer.sentences],
        "cited": [c.citation.key for c in answer.citations],
        "retrieved": [{"key": r.citation.key, "score": round(float(r.score), 4), "text": r.text, "in_prompt": r.in_prompt}
                      for r in answer.retrieved],
        "timings": {k: round(v, 3) for k, v in answer.timings.items()},
    }


def ask_item(assistant: Any, item: Mapping[str, Any], backend: str) -> dict[str, Any]:
    """One item through the assistant (its history questions first, in one conversation)."""
    started = time.perf_counter()
    history: list[tuple[str, str]] = []
    turns = []
    for question in item.get("history") or []:
        earlier = assistant.ask(question, history=list(history), backend=backend)
        history.append((question, earlier.text))
        turns.append({"question": question, "answer": earlier.text})
    answer = assistant.ask(item["question"], history=list(history), backend=backend)
    return {"id": item["id"], "category": item["category"], "question": item["question"], "history": turns,
            **_answer_record(answer), "seconds": round(time.perf_counter() - started, 2)}


def ask_items(assistant: Any, items: Sequence[Mapping[str, Any]], backend: str, label: str = "",
              progress: bool = True, on_record: Callable[[list[dict[str, Any]]], None] | None = None) -> list[dict[str, Any]]:
    """Every item through the assistant; `on_record(records so far)` after each (for checkpoints)."""
    records, started = [], time.perf_counter()
    for n, item in enumerate(items, start=1):
        records.append(ask_item(assistant, item, backend))
        if on_record:
            on_record(records)
        if progress and (n % 10 == 0 or n == len(items)):
            print(f"  {label} answered {n}/{len(items)} ({time.perf_counter() - started:.0f} s)", flush=True)
    return records


# --- scoring -------------------------------------------------------------------------------------------

def gold_texts(item: Mapping[str, Any], corpus: Any) -> list[str]:
    from corpus.records import Citation

    texts = []
    for key in item.get("gold") or []:
        paragraph = corpus.cite(Citation.parse(key))
        if paragraph is None:
            raise KeyError(f"item {item['id']}: gold paragraph {key} is not in the corpus")
        texts.append(paragraph.text)
    return texts


def allowed_citations(record: Mapping[str, Any]) -> set[str]:
    """What an answer may cite: the paragraphs given to the model (those retrieved `in_prompt`; all
    retrieved for extractive answers, which quote them, and refusals, which name the closest), plus the
    citations of lookup and registry answers (which are made from the corpus, not generated)."""
    retrieved = record.get("retrieved", [])
    prompted = {r["key"] for r in retrieved if r.get("in_prompt")}
    allowed = prompted if prompted and not record.get("refused") else {r["key"] for r in retrieved}
    if record.get("route") in ("lookup", "registry"):
        allowed |= set(record.get("cited", []))
    return allowed


def score_record(record: dict[str, Any], item: Mapping[str, Any], judge: Callable[[str, str], bool],
                 texts: Mapping[str, str], corpus: Any, check_invalid: bool = True) -> dict[str, Any]:
    """Judge and score one answer; adds record["eval"] and returns it.

    `texts` maps every citation key the answer's sentences use to the paragraph (or chunk) text.
    """
    evaluation: dict[str, Any] = {}
    text = record["answer"]
    if item["key_facts"] and not item["refuse"]:
        evaluation["key_facts"] = M.facts_stated(text, item["key_facts"])
    if item.get("gold") and not item["refuse"]:
        evaluation["right_paragraph"] = M.right_paragraph(record.get("cited", []), item["gold"])
    evaluation["refusal_ok"] = bool(record["refused"]) == bool(item["refuse"])
    if item["category"] == "lookup":
        evaluation["lookup_exact"] = M.lookup_exact(text, gold_texts(item, corpus), item["key_facts"])
    if check_invalid:
        cited, invalid = M.invalid_citations(text, allowed_citations(record))
        evaluation["cited_in_text"], evaluation["invalid"] = len(cited), invalid
    sentences = []
    for s in record["sentences"]:
        supports = M.MemoSupport(s["text"], texts, judge)
        supported, precise = M.alce_sentence(s["citations"], supports)
        how = getattr(judge, "how", {})
        checks = [{"keys": sorted(k), "supported": v, "how": how.get((s["text"], supports.passages[k]), "")}
                  for k, v in supports.known.items()]
        sentences.append({"text": s["text"], "citations": s["citations"], "supported": supported,
                          "precise": precise, "checks": checks})
    evaluation["sentences"] = sentences
    evaluation["failures"] = failures(evaluation, item)
    record["eval"] = evaluation
    return record


def judge_passage_by_passage(answers: Iterable[tuple[Sequence[Mapping[str, Any]], Mapping[str, str]]],
                             judge: Callable[[str, str], bool]) -> None:
    """Ask `judge` about every (sentence, one of its citations) pair of all `answers` ((sentences, texts)
    per answer), one passage at a time, before ALCE asks for them sentence by sentence. The judge's
    prompt starts with the passage and llama.cpp reuses the prompt prefix it has just read, so this
    order reads each passage once, not once per sentence and answer (a baseline answer cites its four
    1,000-character chunks in every sentence, and many answers retrieve the same chunks). ALCE asks
    about each citation alone anyway; the verdicts wait in the judge's memo (SupportJudge keeps one)."""
    claims: dict[str, dict[str, None]] = {}  # passage -> its claims, both in first-seen order
    for sentences, texts in answers:
        for s in sentences:
            for key in s["citations"]:
                if key in texts:
                    claims.setdefault(texts[key], {})[s["text"]] = None
    for passage, passage_claims in claims.items():
        for claim in passage_claims:
            judge(claim, passage)


def failures(evaluation: Mapping[str, Any], item: Mapping[str, Any]) -> list[str]:
    """Why an item counts as failing (empty: it passes)."""
    reasons = []
    if not evaluation["refusal_ok"]:
        reasons.append("did not refuse" if item["refuse"] else "refused")
    facts = evaluation.get("key_facts")
    if facts is not None and not all(facts):
        missing = [f for f, ok in zip(item["key_facts"], facts) if not ok]
        reasons.append("key facts missing: " + "; ".join(missing))
    if evaluation.get("lookup_exact") is False:
        reasons.append("lookup not exact")
    if evaluation.get("invalid"):
        reasons.append("invalid citations: " + ", ".join(evaluation["invalid"]))
    unsupported = sum(not s["supported"] for s in evaluation["sentences"])
    if unsupported:
        reasons.append(f"{unsupported} unsupported sentence(s)")
    imprecise = sum(not p for s in evaluation["sentences"] if s["supported"] for p in s["precise"])
    if imprecise:
        reasons.append(f"{imprecise} irrelevant citation(s)")
    return reasons


def score_records(records: list[dict[str, Any]], items: Sequence[Mapping[str, Any]], judge: Callable[[str, str], bool],
                  corpus: Any, label: str = "", progress: bool = True, check_invalid: bool = True) -> None:
    by_id = {i["id"]: i for i in items}
    started = time.perf_counter()
    texts = [paragraph_texts(record, corpus) for record in records]
    judge_passage_by_passage([(r["sentences"], t) for r, t in zip(records, texts)], judge)
    for n, (record, record_texts) in enumerate(zip(records, texts), start=1):
        score_record(record, by_id[record["id"]], judge, record_texts, corpus, check_invalid)
        if progress and (n % 20 == 0 or n == len(records)):
            print(f"  {label} judged {n}/{len(records)} ({time.perf_counter() - started:.0f} s)", flush=True)


def paragraph_texts(record: Mapping[str, Any], corpus: Any) -> dict[str, str]:
    from corpus.records import Citation

    texts = {r["key"]: r["text"] for r in record.get("retrieved", [])}
    for s in record["sentences"]:
        for key in s["citations"]:
            if key not in texts and (p := corpus.cite(Citation.parse(key))) is not None:
                texts[key] = p.text
    return texts


def aggregate(records: Sequence[Mapping[str, Any]], items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The run's metrics from scored records (see evals/README.md for the formulas)."""
    by_id = {i["id"]: i for i in items}
    evals = [r["eval"] for r in records]
    cit = M.citation_scores(s for e in evals for s in e["sentences"])
    refusal = M.refusal_scores((bool(r["refused"]), bool(by_id[r["id"]]["refuse"])) for r in records)
    lookups = [e["lookup_exact"] for e in evals if "lookup_exact" in e]
    checked = [e for e in evals if "invalid" in e]
    n_cited = sum(e["cited_in_text"] for e in checked)
    n_invalid = sum(len(e["invalid"]) for e in checked)
    out: dict[str, Any] = {
        "items": len(records),
        "citation_recall": cit["recall"], "citation_precision": cit["precision"],
        "sentences": cit["sentences"], "citations": cit["citations"],
        "key_fact_recall": M.key_fact_recall(e["key_facts"] for e in evals if "key_facts" in e),
        "key_facts": sum(len(e["key_facts"]) for e in evals if "key_facts" in e),
        "all_key_facts": M.all_stated(e["key_facts"] for e in evals if "key_facts" in e),
        "right_paragraph": M.share(e["right_paragraph"] for e in evals if "right_paragraph" in e),
        "refusal_precision": refusal["precision"], "refusal_recall": refusal["recall"], "refusal_f1": refusal["f1"],
        "refusal_tp": refusal["tp"], "refusal_fp": refusal["fp"], "refusal_fn": refusal["fn"],
        "lookup_accuracy": sum(lookups) / len(lookups) if lookups else None, "lookup_items": len(lookups),
        "invalid_citation_rate": (n_invalid / n_cited if n_cited else (0.0 if checked else None)),
        "cited_in_text": n_cited, "invalid_citations": n_invalid,
        "failing_items": sum(bool(e["failures"]) for e in evals),
        "seconds_per_item": round(sum(r["seconds"] for r in records) / len(records), 2) if records else None,
    }
    by_category: dict[str, dict[str, Any]] = {}
    for category in dict.fromkeys(r["category"] for r in records):
        subset = [r for r in records if r["category"] == category]
        sub_evals = [r["eval"] for r in subset]
        sub_cit = M.citation_scores(s for e in sub_evals for s in e["sentences"])
        by_category[category] = {
            "items": len(subset),
            "key_fact_recall": M.key_fact_recall(e["key_facts"] for e in sub_evals if "key_facts" in e),
            "all_key_facts": M.all_stated(e["key_facts"] for e in sub_evals if "key_facts" in e),
            "right_paragraph": M.share(e["right_paragraph"] for e in sub_evals if "right_paragraph" in e),
            "refusal_accuracy": sum(e["refusal_ok"] for e in sub_evals) / len(subset),
            "citation_recall": sub_cit["recall"], "citation_precision": sub_cit["precision"],
            "failing": sum(bool(e["failures"]) for e in sub_evals),
        }
    out["by_category"] = by_category
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from evals.suite import add_common_arguments

    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from evals.suite import run_suite

    return run_suite("answers", args)
