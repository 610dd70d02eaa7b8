"""The support judge used by the citation metrics, and its accuracy on evals/data/judge_pairs.jsonl.

The judge decides "does this passage (or union of passages) support this sentence?" in one of three modes:
- "score":    assistant.support.SupportScorer without an LLM (rules + lexical/semantic score bands);
- "llm":      the local LLM alone, asked the strict YES/NO question of `Assistant.judge`;
- "combined": SupportScorer with the LLM as its judge (`Assistant.scorer(backend)`): rules and clear
              scores settle what they can, conflicts and the uncertain band go to the LLM. This is the
              judge of the citation metrics whenever an LLM backend is in use.
A sentence that only quotes the passage (every “…” quotation in it is verbatim in the passage, or
the whole sentence is) is supported without asking anyone ("quote").

    python -m evals judge [--backend llama-cpp|openai|extractive] [--out DIR]

prints accuracy per mode and per pair kind, and the SupportScorer bands (HIGH, LOW) that would do best.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path
from typing import Any

from evals import metrics as M

ROOT = Path(__file__).resolve().parent
PAIRS = ROOT / "data" / "judge_pairs.jsonl"
MODES = ("score", "llm", "combined")
KINDS = ("positive", "paraphrase", "wrong_number", "wrong_actor", "negation", "wrong_paragraph", "partial")
QUOTE = re.compile(r"“([^”]+)”|\"([^\"]+)\"")


def quoted_verbatim(claim: str, passage: str) -> bool:
    """True when the claim is the passage's own words: the whole claim is in the passage, or it quotes
    the passage: it has quotations of 20+ characters, and each piece of each (split at "…") is verbatim
    in the passage (shorter quotations and the words around them, e.g. the paragraph's kind, are not
    checked).

    >>> quoted_verbatim('Operative paragraph 6; "Also decides": “Also decides that the group meets”', "Also decides that the group meets in June.")
    True
    """
    norm_passage = M._norm(passage)  # noqa: SLF001 - the same normalisation as the other metrics
    if len(claim) >= 20 and M._norm(claim).strip(" .") in norm_passage:  # noqa: SLF001
        return True
    quotes = [q for a, b in QUOTE.findall(claim) if len(q := a or b) >= 20]
    if not quotes:
        return False
    pieces = [M._norm(p).strip(" .,;:") for q in quotes for p in re.split(r"…|\.\.\.", q)]  # noqa: SLF001
    return all(p in norm_passage for p in pieces if p)


class SupportJudge:
    """`judge(claim, passage) -> bool`, memoised, counting LLM calls; `last[(claim, passage)]` tells how."""

    def __init__(self, assistant: Any, backend: str, mode: str = "combined") -> None:
        from assistant.support import SupportScorer

        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.backend = backend
        self.llm_available = backend != "extractive"
        if mode in ("llm", "combined") and not self.llm_available:
            mode = "score"  # no LLM: the scorer alone (said in every report)
        self.mode = mode
        self.llm_calls = 0
        self.llm_seconds = 0.0
        self._assistant = assistant
        self.plain = SupportScorer(assistant.embed, None)
        self.scorer = assistant.scorer(backend) if self.llm_available else self.plain
        if self.scorer.judge is not None:
            self.scorer.judge = self.llm
        self.how: dict[tuple[str, str], str] = {}

    def llm(self, claim: str, passage: str) -> bool:
        started = time.perf_counter()
        try:
            return self._assistant.judge(claim, passage, self.backend)
        finally:
            self.llm_calls += 1
            self.llm_seconds += time.perf_counter() - started

    def __call__(self, claim: str, passage: str) -> bool:
        key = (claim, passage)
        if key in self.how:
            return self.how[key].startswith("yes")
        if quoted_verbatim(claim, passage):
            supported, by = True, "quote"
        elif self.mode == "llm":
            supported, by = self.llm(claim, passage), "llm"
        else:
            verdict = self.scorer.verdict(claim, passage)
            supported, by = verdict.supported, f"{verdict.by} {verdict.score:.2f}"
        self.how[key] = f"{'yes' if supported else 'no'} ({by})"
        return supported

    @property
    def name(self) -> str:
        return {"score": "SupportScorer only (no LLM)", "llm": f"LLM only ({self.backend})",
                "combined": f"SupportScorer + LLM judge ({self.backend})"}[self.mode]


class CachedEmbed:
    """`embed(texts)` with a memo: `warm(texts)` encodes many texts in one batch (much faster on CPU)."""

    def __init__(self, embed: Any) -> None:
        self.embed, self.vectors = embed, {}

    def warm(self, texts: list[str]) -> None:
        missing = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        if missing:
            self.vectors.update(zip(missing, self.embed(missing)))

    def __call__(self, texts: list[str]) -> Any:
        import numpy as np

        self.warm(texts)
        return np.stack([self.vectors[t] for t in texts])


def load_pairs(path: Path = PAIRS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def judge_pairs(assistant: Any, backend: str, pairs: list[dict[str, Any]] | None = None,
                progress: bool = False) -> dict[str, Any]:
    """Every pair judged in each mode (LLM modes only with an LLM backend); accuracy per mode and kind,
    and the best SupportScorer bands on these pairs (see metrics.sweep_thresholds)."""
    from assistant.support import HIGH, LOW, SupportScorer, conflicts
    from corpus.records import Citation

    pairs = pairs if pairs is not None else load_pairs()
    embed = CachedEmbed(assistant.embed)
    plain = SupportScorer(embed, None)
    with_llm = backend != "extractive"
    started = time.perf_counter()
    passages = []
    for pair in pairs:
        paragraph = assistant.corpus.cite(Citation.parse(pair["citation"]))
        if paragraph is None:
            raise KeyError(f"judge pair {pair['id']}: no paragraph {pair['citation']} in the corpus")
        passages.append(paragraph.text)
    embed.warm([p["sentence"] for p in pairs] + passages)
    rows: list[dict[str, Any]] = [{} for _ in pairs]
    # Pairs on the same paragraph in a row: llama.cpp reuses the prompt prefix (the passage) it just read.
    for n, i in enumerate(sorted(range(len(pairs)), key=lambda i: passages[i]), start=1):
        pair, passage = pairs[i], passages[i]
        claim = pair["sentence"]
        score = plain.scores(claim, [passage])[0]
        row = {"id": pair["id"], "kind": pair["kind"], "supported": bool(pair["supported"]), "sentence": claim,
               "citation": pair["citation"], "score": round(score, 4), "conflict": bool(conflicts(claim, passage)),
               "score_only": plain.verdict(claim, passage, score).supported, "llm": None, "combined": None}
        if with_llm:
            t = time.perf_counter()
            row["llm"] = assistant.judge(claim, passage, backend)
            row["llm_seconds"] = round(time.perf_counter() - t, 2)
            row["combined"] = SupportScorer(None, lambda c, p, v=row["llm"]: v).verdict(claim, passage, score).supported
        rows[i] = row
        if progress and n % 10 == 0:
            print(f"  judge pairs {n}/{len(pairs)} ({time.perf_counter() - started:.0f} s)", flush=True)
    modes = {"score": M.accuracy(rows, "score_only")}
    if with_llm:
        modes["llm"] = M.accuracy(rows, "llm")
        modes["combined"] = M.accuracy(rows, "combined")
    best_combined = M.sweep_thresholds(rows, with_llm=True)[:5] if with_llm else []
    best_score = M.sweep_thresholds(rows, with_llm=False)[:5]
    in_force = {"high": HIGH, "low": LOW}
    llm_calls_in_force = sum(1 for r in rows if not (not r["conflict"] and r["score"] >= HIGH) and r["score"] >= LOW)
    return {"pairs": len(rows), "backend": backend, "seconds": round(time.perf_counter() - started, 1),
            "modes": modes, "thresholds_in_force": {**in_force, "llm_calls": llm_calls_in_force if with_llm else 0},
            "best_thresholds_combined": best_combined, "best_thresholds_score_only": best_score, "rows": rows}


def flat_metrics(judged: dict[str, Any]) -> dict[str, float | None]:
    """The judge figures as flat metric names (for thresholds and run comparison)."""
    out: dict[str, float | None] = {}
    for mode, table in judged["modes"].items():
        out[f"{mode}_accuracy"] = table["all"]["accuracy"]
        for kind in KINDS:
            if kind in table:
                out[f"{mode}_accuracy_{kind}"] = table[kind]["accuracy"]
    return out


def table(judged: dict[str, Any]) -> str:
    modes = list(judged["modes"])
    kinds = ["all", *[k for k in KINDS if k in judged["modes"][modes[0]]]]
    lines = [f"{'judge accuracy':<16}" + "".join(f"{k:>16}" for k in kinds)]
    for mode in modes:
        cells = []
        for kind in kinds:
            cell = judged["modes"][mode][kind]
            cells.append(f"{cell['accuracy']:.2f} ({cell['right']}/{cell['n']})" if cell["accuracy"] is not None else "-")
        lines.append(f"{mode:<16}" + "".join(f"{c:>16}" for c in cells))
    force = judged["thresholds_in_force"]
    lines.append(f"bands in force: HIGH={force['high']} LOW={force['low']}"
                 + (f" (LLM asked on {force['llm_calls']}/{judged['pairs']} pairs)" if judged["modes"].get("combined") else ""))
    for label, key in (("combined", "best_thresholds_combined"), ("score-only", "best_thresholds_score_only")):
        if judged[key]:
            b = judged[key][0]
            lines.append(f"best bands for {label} on these pairs: HIGH={b['high']} LOW={b['low']} "
                         f"accuracy {b['accuracy']:.3f}" + (f", LLM asked on {b['llm_calls']} pairs" if label == "combined" else ""))
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from evals.suite import add_common_arguments

    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from evals.suite import run_suite

    return run_suite("judge", args)
