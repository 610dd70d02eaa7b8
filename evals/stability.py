"""Do the assistant's decisions survive another floating-point path? (issue 14)

Another CPU sums in another order (AVX2 against AVX-512 kernels), as does another thread count. This
answers the eval items (tuned and held-out) once per configuration, each in its own process, and
lists every item whose decision changed between two runs:

- refused or answered (and why refused), the route;
- the cited paragraphs;
- which sentences are supported (compared per cited paragraph: the wording may differ, what is
  vouched for must not).

    python -m evals stability answer --out runs/t2.json         # settings from the environment:
    ASSISTANT_N_THREADS=1 python -m evals stability answer --out runs/t1.json
    ASSISTANT_CPU_VARIANT=haswell python -m evals stability answer --out runs/haswell.json
    python -m evals stability compare runs/t2.json runs/t1.json runs/haswell.json
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.answers import ITEMS, ask_items, load_items, make_assistant

HOLDOUT = ITEMS.with_name("holdout.jsonl")


@dataclass(frozen=True)
class Decision:
    """What an answer decided, in the terms that matter to a user quoting it."""
    refused: str  # "" when answered, else the refusal reason
    route: str
    cited: frozenset[str]
    supported: frozenset[str]  # the citations of supported sentences
    unsupported: frozenset[str]  # the citations of sentences shown as unsupported

    @classmethod
    def of(cls, record: dict[str, Any]) -> Decision:
        sentences = record.get("sentences", [])
        return cls(record["refusal_reason"] or "refused" if record["refused"] else "", record["route"],
                   frozenset(record.get("cited", [])),
                   frozenset(c for s in sentences if s["system_supported"] for c in s["citations"]),
                   frozenset(c for s in sentences if not s["system_supported"] for c in s["citations"]))


def changes(a: Decision, b: Decision) -> list[str]:
    """What differs between two decisions, in words ([] when none)."""
    out = []
    if a.refused != b.refused:
        out.append(f"refusal: {a.refused or 'answered'} -> {b.refused or 'answered'}")
    if a.route != b.route:
        out.append(f"route: {a.route} -> {b.route}")
    if a.cited != b.cited:
        out.append(f"cited: {sorted(a.cited)} -> {sorted(b.cited)}")
    if a.supported != b.supported or a.unsupported != b.unsupported:
        out.append(f"supported: {sorted(a.supported)} (unsupported {sorted(a.unsupported)}) -> "
                   f"{sorted(b.supported)} (unsupported {sorted(b.unsupported)})")
    return out


def answer(out: Path) -> None:
    from assistant import cpu_backend
    from assistant.config import Settings

    settings = Settings()
    assistant = make_assistant("llama-cpp")
    started = time.perf_counter()
    records = []
    for path in (ITEMS, HOLDOUT):
        records += ask_items(assistant, load_items(path), "llama-cpp", label=path.stem)
    backend = cpu_backend.activate(settings.cpu_variant, settings.cpu_allow_amx).chosen.name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"n_threads": settings.n_threads, "cpu_backend": backend,
                               "seconds": round(time.perf_counter() - started), "records": records},
                              ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{len(records)} answers with {settings.n_threads} threads on the {backend} backend -> {out}")


def quality(records: list[dict[str, Any]]) -> str:
    """Key-fact recall and refusal F1 of a run's answers, tuned and held-out items apart (no judge needed)."""
    from evals import metrics as M

    out = []
    for label, path in (("tuned", ITEMS), ("held-out", HOLDOUT)):
        items = {i["id"]: i for i in load_items(path)}
        mine = [r for r in records if r["id"] in items]
        if not mine:
            continue
        facts = M.key_fact_recall(M.facts_stated(r["answer"], items[r["id"]]["key_facts"]) for r in mine
                                  if items[r["id"]]["key_facts"] and not items[r["id"]]["refuse"])
        refusal = M.refusal_scores((bool(r["refused"]), bool(items[r["id"]]["refuse"])) for r in mine)
        out.append(f"{label} ({len(mine)}): key facts {facts or 0:.3f}, refusal P/R/F1 {refusal['precision'] or 0:.2f}/"
                   f"{refusal['recall'] or 0:.2f}/{refusal['f1'] or 0:.2f} (FP {refusal['fp']}, FN {refusal['fn']})")
    return "; ".join(out)


def compare(paths: list[Path]) -> int:
    runs = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    name = [f"{p.stem} ({r['cpu_backend']}, {r['n_threads']} threads, {r['seconds']} s)" for p, r in zip(paths, runs)]
    for label, run in zip(name, runs):
        print(f"{label}: {quality(run['records'])}")
    base = {r["id"]: r for r in runs[0]["records"]}
    total = 0
    for label, run in zip(name[1:], runs[1:]):
        print(f"{name[0]} -> {label}")
        changed = 0
        for record in run["records"]:
            if record["id"] not in base:  # a run of other items (a reference of the tuned set only)
                continue
            diff = changes(Decision.of(base[record["id"]]), Decision.of(record))
            if diff:
                changed += 1
                print(f"  {record['id']}: {'; '.join(diff)}")
        print(f"  {changed} of {sum(r['id'] in base for r in run['records'])} items changed a decision")
        total += changed
    return 0 if total == 0 else 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    p = sub.add_parser("answer", help="answer the tuned and held-out items with the settings in force")
    p.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("compare", help="list the items whose decisions differ from the first run's")
    p.add_argument("runs", type=Path, nargs="+")


def run(args: argparse.Namespace) -> int:
    if args.action == "answer":
        answer(args.out)
        return 0
    return compare(args.runs)
