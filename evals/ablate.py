"""`python -m evals ablate`: every rule of assistant/rules.py switched off in turn, and what that does on
the tuned items and on held-out items, so that a rule is kept only if it earns its place on questions
nobody tuned it to.

    python -m evals ablate [--rules a,b] [--tuned evals/data/items.jsonl]
                           [--held-out evals/data/holdout.jsonl,evals/data/holdout2.jsonl] [--out FILE]

One configuration is "all rules on", then one per rule with only that rule off. The model's calls are
memoised across configurations (temperature 0: the same prompt gets the same reply, as the stability
runs show), so switching off a rule that acts after generation costs no new generation, and one that
changes retrieval costs only the items whose prompt it changes.

Metrics per set, without the LLM judge (so a configuration is cheap): the right paragraph cited (share
of answerable items citing a gold paragraph), every key fact stated (share of answerable items),
refusal F1, exact lookups. `evals/answers.py` has the full metrics (citation recall/precision by judge).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from evals import metrics as M
from evals.answers import ITEMS, ask_items, gold_texts, load_items, make_assistant

DATA = ITEMS.parent
HELD_OUT = (DATA / "holdout.jsonl", DATA / "holdout2.jsonl")
METRICS = ("right_paragraph", "all_key_facts", "refusal_f1", "lookups")


def memoise(assistant: Any) -> None:
    """Model calls of `assistant` answered from memory when asked again with the same input."""
    drafts: dict = {}
    yeses: dict = {}
    rewrites: dict = {}
    generate, yes_probability, rewrite = assistant.generate, assistant.yes_probability, assistant.rewrite

    def cached_generate(messages, backend, clock, forbid_refusal=False):
        key = (repr(messages), backend, forbid_refusal)
        if key not in drafts:
            drafts[key] = yield from generate(messages, backend, clock, forbid_refusal)
        return replace(drafts[key])

    def cached_yes(chat, messages):
        key = repr(messages)
        if key not in yeses:
            yeses[key] = yes_probability(chat, messages)
        return yeses[key]

    def cached_rewrite(question, history, backend):
        key = (question, tuple(map(tuple, history)), backend)
        if key not in rewrites:
            rewrites[key] = rewrite(question, history, backend)
        return rewrites[key]

    assistant.generate, assistant.yes_probability, assistant.rewrite = cached_generate, cached_yes, cached_rewrite


def light_metrics(records: Sequence[Mapping[str, Any]], items: Sequence[Mapping[str, Any]], corpus: Any) -> dict:
    by_id = {i["id"]: i for i in items}
    right, facts, lookups, pairs = [], [], [], []
    for r in records:
        item = by_id[r["id"]]
        pairs.append((bool(r["refused"]), bool(item["refuse"])))
        if item["refuse"]:
            continue
        if item.get("gold"):
            right.append(M.right_paragraph(r["cited"], item["gold"]))
        if item["key_facts"]:
            facts.append(M.facts_stated(r["answer"], item["key_facts"]))
        if item["category"] == "lookup":
            lookups.append(M.lookup_exact(r["answer"], gold_texts(item, corpus), item["key_facts"]))
    refusal = M.refusal_scores(pairs)
    return {"items": len(records), "right_paragraph": M.share(right),
            "all_key_facts": M.all_stated(facts), "key_fact_recall": M.key_fact_recall(facts),
            "refusal_f1": refusal["f1"], "refusal_precision": refusal["precision"], "refusal_recall": refusal["recall"],
            "lookups": M.share(lookups)}


def table(results: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> str:
    """Markdown: per configuration, each metric on each set, as the change against all rules on."""
    sets = list(next(iter(results.values())))
    head = "| configuration | " + " | ".join(f"{s}: {m}" for s in sets for m in METRICS) + " |"
    lines = [head, "|" + "---|" * (1 + len(sets) * len(METRICS))]
    base = results["all rules on"]
    for name, by_set in results.items():
        cells = []
        for s in sets:
            for m in METRICS:
                value, ref = by_set[s][m], base[s][m]
                if value is None:
                    cells.append("-")
                elif name == "all rules on":
                    cells.append(f"{value:.3f}")
                else:
                    cells.append(f"{value - ref:+.3f}" if ref is not None else f"{value:.3f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from assistant.rules import RULES

    parser.add_argument("--rules", default=",".join(r.name for r in RULES), help="rules to switch off one at a time (default all)")
    parser.add_argument("--tuned", type=Path, default=ITEMS, help="the items the rules were made on")
    parser.add_argument("--held-out", default=",".join(str(p) for p in HELD_OUT), help="held-out item files, comma-separated")
    parser.add_argument("--backend", choices=("llama-cpp", "openai"), default="llama-cpp")
    parser.add_argument("--out", type=Path, default=Path("evals/results/ablation.json"), help="results (JSON)")


def run(args: argparse.Namespace) -> int:
    from assistant.config import Settings
    from assistant.rules import unknown_rules

    rules = [r for r in args.rules.split(",") if r]
    if unknown := unknown_rules(set(rules)):
        raise SystemExit(f"no such rule: {', '.join(sorted(unknown))}")
    held_out = [item for path in args.held_out.split(",") for item in load_items(Path(path))]
    sets = {"tuned": load_items(args.tuned), "held-out": held_out}
    assistant = make_assistant(args.backend)
    memoise(assistant)
    base: Settings = assistant.settings
    results: dict[str, dict[str, dict]] = {}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for name, off in [("all rules on", ""), *((f"without {r}", r) for r in rules)]:
        assistant.settings = base.model_copy(update={"rules_off": off})
        results[name] = {}
        for set_name, items in sets.items():
            records = ask_items(assistant, items, args.backend, label=f"{name} / {set_name}", progress=False)
            results[name][set_name] = light_metrics(records, items, assistant.corpus)
            if not off:  # the answers with every rule on, to read (e.g. the answerability check's P(YES))
                args.out.with_suffix(f".{set_name}.records.json").write_text(
                    json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"{name}: " + "; ".join(f"{s} " + ", ".join(f"{m} {v[m]:.3f}" for m in METRICS if v[m] is not None)
                                      for s, v in results[name].items()) + f" ({time.perf_counter() - started:.0f} s)",
              flush=True)
        args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(table(results))
    return 0
