"""The eval suites: `python -m evals answers|judge|all [--suite fast|full] [--backend B] [--out DIR]`.

fast (CI): retrieval metrics (with `all`), every item through the extractive backend (refusal, lookup,
           invalid-citation and key-fact metrics), and LLM_SAMPLE (6 items incl. an unanswerable and a
           follow-up) through the LLM backend; the judge pairs (with `judge`/`all`).
full:      the same, plus every item through the LLM backend, and the LangChain baseline (evals/baseline.py) on
           a stratified third of the items (every third item of each category: its 4 x 1,000-character
           prompts take ~20 s an item to answer and ~12 s to judge here, over an hour for all 131); the
           system is compared with it on those same items (run "system-llm@baseline-items").

Each run prints a table, writes `run-<suite>-<time>.json` and `report-<suite>-<time>.html` into --out
(default evals/results/, git-ignored), and compares with the previous JSON of the same suite there:
metric by metric (better/worse) and item by item (newly failing, fixed). Minimums come from
evals/thresholds.toml (section [<suite>.<run>]); `--check` makes a run below them exit 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

from evals import metrics as M
from evals.report import _f as fmt

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
THRESHOLDS = ROOT / "thresholds.toml"
SUITES = ("fast", "full")
TABLE_METRICS = ("citation_recall", "citation_precision", "key_fact_recall", "refusal_precision", "refusal_recall",
                 "refusal_f1", "lookup_accuracy", "invalid_citation_rate", "failing_items", "seconds_per_item")


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--suite", choices=SUITES, default="fast", help="fast (CI) or full (default fast)")
    parser.add_argument("--backend", choices=("llama-cpp", "openai", "extractive"), default=None,
                        help="generation backend of the LLM runs (default: ASSISTANT_BACKEND, llama-cpp)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder (default evals/results)")
    parser.add_argument("--items", type=Path, default=None, help="eval items (JSONL; default evals/data/items.jsonl)")
    parser.add_argument("--ids", default=None, help="only these item ids (comma-separated), for a quick look")
    parser.add_argument("--no-baseline", action="store_true", help="full suite without the LangChain baseline")
    parser.add_argument("--runs", default=None,
                        help="only these answer runs of the suite (comma-separated: system-extractive, system-llm, baseline)")
    parser.add_argument("--merge-with", type=Path, default=None,
                        help="a previous run's JSON whose runs, judge and retrieval results this run adds to (its own win)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a metric is below evals/thresholds.toml")


def load_thresholds(path: Path = THRESHOLDS) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def plan(suite: str, backend: str, baseline: bool = True) -> list[tuple[str, str, str]]:
    """(run name, backend, which items: "all" | "sample") of the answer runs of a suite."""
    runs = [("system-extractive", "extractive", "all")]
    if backend != "extractive":
        runs.append(("system-llm", backend, "sample" if suite == "fast" else "all"))
        if suite == "full" and baseline:
            runs.append(("baseline", backend, "stratified"))
    return runs


def execute(what: str, suite: str, backend: str, items_path: Path | None = None, ids: list[str] | None = None,
            baseline: bool = True, assistant: Any = None, progress: bool = True,
            checkpoint: Path | None = None, runs: list[str] | None = None) -> dict[str, Any]:
    """Run the suite; the payload that is written as JSON (no printing besides progress).

    Order: retrieval, then each answer run (asked in full, then judged: the LLM's answer prompt prefix
    stays cached while answering), the judge pairs before the baseline; after each step the payload so far
    is written to `checkpoint` (if given), so a long run that is stopped still leaves its results.
    """
    from evals import answers as A
    from evals import judge as J

    started = time.perf_counter()
    assistant = assistant or A.make_assistant("extractive")
    payload: dict[str, Any] = {"what": what, "suite": suite, "backend": backend,
                               "started": datetime.now().isoformat(timespec="seconds"),
                               "corpus_version": assistant.corpus.version, "runs": {}, "timings": {}}
    if backend != "extractive":
        payload["model"] = assistant.settings.model_file.name if backend == "llama-cpp" else assistant.settings.openai_model

    def save() -> None:
        if checkpoint is not None:
            checkpoint.parent.mkdir(parents=True, exist_ok=True)
            checkpoint.write_text(json.dumps(payload, ensure_ascii=False) + "\n", encoding="utf-8")

    def step_done(name: str, t: float) -> None:
        payload["timings"][name] = round(time.perf_counter() - t, 1)
        payload["seconds"] = round(time.perf_counter() - started, 1)
        payload.pop("answering", None)
        save()

    def answered(name: str) -> Any:
        def on_record(records: list[dict[str, Any]]) -> None:
            payload["answering"] = {"run": name, "records": records}  # unscored answers so far
            save()
        return on_record if checkpoint is not None else None

    if what == "all":
        from evals import retrieval as R

        t = time.perf_counter()
        payload["retrieval"] = R.evaluate(assistant.searcher, R.load_items())
        payload["retrieval_model"] = assistant.searcher.encoder.model_id
        step_done("retrieval", t)

    judge = J.SupportJudge(assistant, backend)

    def judge_pairs() -> None:
        t = time.perf_counter()
        payload["judge"] = J.judge_pairs(assistant, backend, progress=progress)
        step_done("judge pairs", t)

    if what in ("answers", "all"):
        items = A.load_items(items_path or A.ITEMS)
        if ids:
            items = [i for i in items if i["id"] in set(ids)]
        sample = [i for i in items if i["id"] in A.LLM_SAMPLE] or items[:6]
        for name, run_backend, which in plan(suite, backend, baseline):
            if runs and name not in runs:
                continue
            if name == "baseline" and what == "all":
                judge_pairs()  # before the longest step
            run_items = {"all": items, "sample": sample, "stratified": stratified(items)}[which]
            t = time.perf_counter()
            if name == "baseline":
                from evals import baseline as B

                engine = B.Baseline(assistant.searcher.encoder, assistant.llm(run_backend))
                records = B.ask_items(engine, run_items, label=name, progress=progress, on_record=answered(name))
            else:
                if run_backend != "extractive":
                    assistant.llm(run_backend)  # load the model before the clock of the first item
                records = A.ask_items(assistant, run_items, run_backend, label=name, progress=progress,
                                      on_record=answered(name))
            step_done(f"{name} answers", t)
            t = time.perf_counter()
            payload["runs"][name] = score_run(assistant, name, records, run_items, run_backend, judge, progress)
            step_done(f"{name} judging", t)

    if what in ("judge", "all") and "judge" not in payload:
        judge_pairs()
    payload["seconds"] = round(time.perf_counter() - started, 1)
    return payload


SUBSET_RUN = "system-llm@baseline-items"


def stratified(items: list[dict[str, Any]], every: int = 3) -> list[dict[str, Any]]:
    """Every `every`-th item of each category (the first of each included), in file order.

    >>> [i["id"] for i in stratified([{"id": f"q{n}", "category": "a" if n < 4 else "b"} for n in range(6)])]
    ['q0', 'q3', 'q4']
    """
    seen: dict[str, int] = {}
    chosen = []
    for item in items:
        n = seen[item["category"]] = seen.get(item["category"], -1) + 1
        if n % every == 0:
            chosen.append(item)
    return chosen


def add_subset_run(payload: dict[str, Any]) -> None:
    """When the baseline answered only some of the items the system did, the system's metrics on just
    those items as run SUBSET_RUN, so that system and baseline are compared on the same items."""
    from evals import answers as A

    runs = payload.get("runs", {})
    runs.pop(SUBSET_RUN, None)
    if "baseline" not in runs or "system-llm" not in runs:
        return
    ids = [r["id"] for r in runs["baseline"]["items"]]
    system = {r["id"]: r for r in runs["system-llm"]["items"]}
    if len(ids) >= len(system) or not set(ids) <= set(system):
        return
    items = A.load_items(ids=ids)
    records = [system[i] for i in ids]
    runs[SUBSET_RUN] = {**{k: v for k, v in runs["system-llm"].items() if k not in ("metrics", "items")},
                        "llm_judge_calls": 0, "metrics": A.aggregate(records, items), "items": records}


def merge(payload: dict[str, Any], earlier: dict[str, Any]) -> dict[str, Any]:
    """`payload` with the runs, judge and retrieval results of an `earlier` payload that it lacks."""
    merged = dict(payload)
    merged["runs"] = {**{k: v for k, v in earlier.get("runs", {}).items() if k != SUBSET_RUN}, **payload.get("runs", {})}
    for key in ("judge", "retrieval", "retrieval_model", "model"):
        if not merged.get(key) and earlier.get(key):
            merged[key] = earlier[key]
    merged["timings"] = {**{f"{k} (earlier run)": v for k, v in earlier.get("timings", {}).items()}, **payload["timings"]}
    merged["seconds"] = round(payload["seconds"] + earlier.get("seconds", 0.0), 1)
    merged["merged_from"] = earlier.get("_path") or earlier.get("started")
    if earlier.get("what") == "all" or payload.get("what") == "all":
        merged["what"] = "all"
    return merged


def score_run(assistant: Any, name: str, records: list[dict[str, Any]], items: list[dict[str, Any]], backend: str,
              judge: Any, progress: bool = False) -> dict[str, Any]:
    """Judge and score one run's answers: {"backend", "judge", "llm_judge_calls", "metrics", "items"}."""
    from evals import answers as A

    calls = judge.llm_calls
    A.score_records(records, items, judge, assistant.corpus, label=name, progress=progress,
                    check_invalid=name != "baseline")
    return {"backend": backend, "judge": judge.name, "llm_judge_calls": judge.llm_calls - calls,
            "metrics": A.aggregate(records, items), "items": records}


def flat(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every scalar metric of a payload by run name (runs, "judge", "retrieval-<mode>")."""
    from evals.judge import flat_metrics

    out = {name: {k: v for k, v in run["metrics"].items() if not isinstance(v, dict)}
           for name, run in payload.get("runs", {}).items()}
    if payload.get("judge"):
        out["judge"] = flat_metrics(payload["judge"])
    for mode, row in (payload.get("retrieval") or {}).items():
        out[f"retrieval-{mode}"] = {k: v for k, v in row.items() if isinstance(v, (int, float))}
    return out


def item_failures(payload: dict[str, Any]) -> dict[str, list[str]]:
    return {f"{name}:{r['id']}": r["eval"]["failures"] for name, run in payload.get("runs", {}).items() for r in run["items"]}


def check(payload: dict[str, Any], thresholds: dict[str, Any]) -> dict[str, list[str]]:
    """Failures per section of thresholds.toml that applies to this payload."""
    metrics = flat(payload)
    failures: dict[str, list[str]] = {}
    for run, minimums in (thresholds.get(payload["suite"]) or {}).items():
        if run in metrics:
            if bad := M.check_thresholds(metrics[run], minimums):
                failures[f"{payload['suite']}.{run}"] = bad
    for mode, minimums in (thresholds.get("retrieval") or {}).items():
        if f"retrieval-{mode}" in metrics:
            if bad := M.check_thresholds(metrics[f"retrieval-{mode}"], minimums):
                failures[f"retrieval.{mode}"] = bad
    return failures


def previous_run(out: Path, suite: str, exclude: Path | None = None) -> dict[str, Any] | None:
    runs = sorted(p for p in out.glob(f"run-{suite}-*.json") if p != exclude)
    for path in reversed(runs):
        try:
            return {**json.loads(path.read_text(encoding="utf-8")), "_path": str(path)}
        except ValueError:
            continue
    return None


def table(payload: dict[str, Any], targets: dict[str, float]) -> str:
    lines = []
    if payload.get("retrieval"):
        from evals.retrieval import table as retrieval_table

        lines += ["Retrieval (evals/data/retrieval.jsonl):", retrieval_table(payload["retrieval"]), ""]
    runs = payload.get("runs", {})
    if runs:
        names = list(runs)
        w = max(19, *(len(n) + 2 for n in names))
        lines.append(f"{'metric':<24}" + "".join(f"{n:>{w}}" for n in names) + f"{'target':>9}")
        for metric in TABLE_METRICS:
            target = targets.get(metric, targets.get(f"{metric}_max"))
            lines.append(f"{metric:<24}" + "".join(f"{fmt(runs[n]['metrics'].get(metric)):>{w}}" for n in names)
                         + f"{fmt(target) if target is not None else '':>9}")
        lines.append(f"{'items':<24}" + "".join(f"{runs[n]['metrics']['items']:>{w}}" for n in names))
        lines.append("judge: " + "; ".join(f"{n}: {runs[n]['judge']} ({runs[n]['llm_judge_calls']} LLM calls)" for n in names))
        if "system-llm" in runs and "baseline" in runs:
            system = SUBSET_RUN if SUBSET_RUN in runs else "system-llm"
            lines.append(f"{system} vs baseline (same items): " + ", ".join(
                f"{m} {verdict}" for m, verdict in system_vs_baseline(runs[system]["metrics"], runs["baseline"]["metrics"]).items()))
        lines.append("")
    if payload.get("judge"):
        from evals.judge import table as judge_table

        lines += [f"Judge on {payload['judge']['pairs']} labelled pairs:", judge_table(payload["judge"]), ""]
    lines.append("time: " + ", ".join(f"{k} {v:.0f} s" for k, v in payload["timings"].items()) + f"; total {payload['seconds']:.0f} s")
    return "\n".join(lines)


def system_vs_baseline(system: dict[str, Any], baseline: dict[str, Any]) -> dict[str, str]:
    out = {}
    for metric in TABLE_METRICS[:-2]:
        s, b = system.get(metric), baseline.get(metric)
        if s is None or b is None:
            out[metric] = "n/a"
        elif s == b:
            out[metric] = "tie"
        else:
            out[metric] = "better" if M.better(metric, b, s) else "WORSE"
    return out


def comparison_text(comparison: dict[str, Any]) -> str:
    if not comparison.get("previous"):
        return "No previous run of this suite to compare with."
    lines = [f"Compared with {comparison['previous']}:"]
    for c in comparison["metrics"]:
        lines.append(f"  {c['change']:>6}  {c['run']}: {c['metric']} {fmt(c['old'])} -> {fmt(c['new'])}")
    if not comparison["metrics"]:
        lines.append("  no metric changed")
    if comparison["items"]["new_failures"]:
        lines.append("  newly failing: " + ", ".join(comparison["items"]["new_failures"]))
    if comparison["items"]["fixed"]:
        lines.append("  fixed: " + ", ".join(comparison["items"]["fixed"]))
    return "\n".join(lines)


def run_suite(what: str, args: argparse.Namespace) -> int:
    from assistant.config import Settings
    from evals.report import write_report

    backend = args.backend or Settings().backend
    thresholds = load_thresholds()
    ids = [i.strip() for i in args.ids.split(",")] if getattr(args, "ids", None) else None
    out: Path = args.out
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    runs = [r.strip() for r in args.runs.split(",")] if getattr(args, "runs", None) else None
    payload = execute(what, args.suite, backend, getattr(args, "items", None), ids,
                      baseline=not getattr(args, "no_baseline", False), checkpoint=out / f".partial-{args.suite}-{stamp}.json",
                      runs=runs)
    if getattr(args, "merge_with", None):
        payload = merge(payload, {**json.loads(args.merge_with.read_text(encoding="utf-8")), "_path": str(args.merge_with)})
    add_subset_run(payload)
    payload["thresholds"] = {k: v for k, v in thresholds.items() if k in (args.suite, "retrieval", "targets")}
    payload["threshold_failures"] = check(payload, thresholds)
    out.mkdir(parents=True, exist_ok=True)
    n = 1
    while (out / f"run-{args.suite}-{stamp}.json").exists():  # two runs in one second
        n += 1
        stamp = f"{stamp.split('.')[0]}.{n}"
    json_path, html_path = out / f"run-{args.suite}-{stamp}.json", out / f"report-{args.suite}-{stamp}.html"
    previous = previous_run(out, args.suite)
    payload["comparison"] = {"previous": previous["_path"] if previous else None,
                             "metrics": M.compare(flat(previous), flat(payload)) if previous else [],
                             "items": M.newly_failing(item_failures(previous), item_failures(payload)) if previous
                             else {"new_failures": [], "fixed": []}}
    json_path.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    write_report(payload, html_path)
    (out / f".partial-{args.suite}-{stamp.split('.')[0]}.json").unlink(missing_ok=True)
    print(table(payload, thresholds.get("targets", {})))
    print(comparison_text(payload["comparison"]))
    for section, failures in payload["threshold_failures"].items():
        print(f"BELOW THRESHOLD [{section}]: " + "; ".join(failures))
    print(f"written: {json_path}\n         {html_path}")
    return 1 if getattr(args, "check", False) and payload["threshold_failures"] else 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    return run_suite("all", args)


if __name__ == "__main__":
    sys.exit(run(argparse.Namespace(suite="fast", backend="extractive", out=RESULTS, items=None, ids=None,
                                    no_baseline=True, check=False)))
