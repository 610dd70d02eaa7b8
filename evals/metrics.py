"""The answer metrics as pure functions (no model, no corpus): see evals/README.md for each formula.

- key facts:      `facts_stated(text, key_facts)`, `key_fact_recall(rows)`
- refusal:        `refusal_scores(pairs)` -> precision, recall, F1 of refusing
- lookup:         `lookup_exact(text, gold_texts, symbols)`
- citations:      `parse_cited(text)`, `invalid_citations(text, allowed)`, `alce_sentence(citations, supports)`,
                  `citation_scores(sentences)` (ALCE citation recall and precision)
- judge:          `judge_accuracy(rows, mode)`, `sweep_thresholds(rows)`
- runs:           `compare(previous, current)`, `check_thresholds(metrics, minimums)`
- retrieval:      `retrieval_metrics` (= evals.retrieval.metrics: recall@k, MRR, nDCG@10)

>>> facts_stated("It meets in June 2019.", ["june 2019", "New York|Geneva"])
[True, False]
>>> refusal_scores([(True, True), (True, False), (False, True), (False, False)])["f1"]
0.5
>>> parse_cited("States should cooperate [A/C.1/73/L.27/Rev.1 ¶1.1, ¶1.2].")
['A/C.1/73/L.27/Rev.1 ¶1.1', 'A/C.1/73/L.27/Rev.1 ¶1.2']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from evals.retrieval import metrics as retrieval_metrics  # noqa: F401 - re-exported: one place for every metric

# --- answer correctness ----------------------------------------------------------------------------


def _norm(text: str) -> str:
    """Lower case, typographic quotes and dashes made plain, whitespace collapsed."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = text.replace("–", "-").replace("‑", "-").replace("\u00a0", " ")
    return " ".join(text.lower().split())


def facts_stated(text: str, key_facts: Sequence[str]) -> list[bool]:
    """Per key fact: is any of its "|"-separated alternatives a substring of the text (case-insensitive)?"""
    answer = _norm(text)
    return [any(_norm(alt) in answer for alt in fact.split("|") if alt.strip()) for fact in key_facts]


def key_fact_recall(rows: Iterable[Sequence[bool]]) -> float | None:
    """Stated key facts / all key facts, over every item (micro average); None when there are none."""
    flags = [f for row in rows for f in row]
    return sum(flags) / len(flags) if flags else None


def all_stated(rows: Iterable[Sequence[bool]]) -> float | None:
    """Share of items whose every key fact is stated (macro, per item); None when there are none."""
    rows = [row for row in rows if row]
    return sum(all(row) for row in rows) / len(rows) if rows else None


def share(flags: Iterable[bool]) -> float | None:
    """The share of true flags; None when there are none."""
    flags = list(flags)
    return sum(flags) / len(flags) if flags else None


def right_paragraph(cited: Sequence[str], gold: Sequence[str]) -> bool:
    """The answer cites a paragraph that answers the question (any of the gold ones).

    >>> right_paragraph(["A/C.1/73/L.27/Rev.1 ¶6"], ["A/C.1/73/L.27/Rev.1 ¶6", "A/RES/73/27 ¶6"])
    True
    """
    return bool(set(cited) & set(gold))


def refusal_scores(pairs: Iterable[tuple[bool, bool]]) -> dict[str, float | int | None]:
    """(refused, should_refuse) per item -> precision, recall and F1 of refusing, and the counts.

    Precision = TP / (TP + FP) over the items the system refused; recall = TP / (TP + FN) over the items
    it should have refused; F1 their harmonic mean. An empty denominator gives None (nothing to measure),
    except F1, which is 0 when TP is 0 and something was expected or refused.
    """
    tp = fp = fn = tn = 0
    for refused, expected in pairs:
        tp += refused and expected
        fp += refused and not expected
        fn += expected and not refused
        tn += not refused and not expected
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    if precision is None and recall is None:
        f1 = None
    elif not tp:
        f1 = 0.0
    else:
        f1 = 2 * precision * recall / (precision + recall)
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn, "tn": tn}


SYMBOL_FACT = re.compile(r"^[A-Z]{1,4}(?:/[A-Za-z0-9.()\-]+)+$")


def lookup_exact(text: str, gold_texts: Sequence[str], key_facts: Sequence[str] = ()) -> bool:
    """A lookup is exact when the answer holds every gold paragraph's text verbatim (whitespace and
    typographic quotes aside); a document lookup (no gold paragraph) when it names the document's
    symbol, i.e. every key fact that is a document symbol ("A/RES/58/199")."""
    answer = _norm(text)
    if gold_texts:
        return all(_norm(g) in answer for g in gold_texts)
    symbols = [alt for fact in key_facts for alt in fact.split("|") if SYMBOL_FACT.match(alt.strip())]
    return bool(symbols) and all(_norm(s) in answer for s in symbols)


# --- citations ---------------------------------------------------------------------------------------

BRACKET = re.compile(r"\[([^\[\]]*¶[^\[\]]*)\]")
CITE_ITEM = re.compile(r"^\s*(?:([A-Z][A-Za-z0-9./()\-]*?)\s*)?¶\s*([A-Za-z0-9.()\-]+?)\.?\s*$")


def parse_cited(text: str) -> list[str]:
    """Citation keys ("symbol ¶label") written in an answer as `[symbol ¶label]`; a bracket may list
    several (`[A/70/174 ¶26, ¶27]`: a bare label takes the symbol before it). Order kept, repeats too."""
    keys: list[str] = []
    for bracket in BRACKET.finditer(text):
        symbol = None
        for part in re.split(r"\s*[,;]\s*", bracket.group(1)):
            match = CITE_ITEM.match(part)
            if not match:
                continue
            symbol = match.group(1) or symbol
            if symbol:
                keys.append(f"{symbol} ¶{match.group(2)}")
            else:
                keys.append(f"¶{match.group(2)}")  # no symbol at all: can never be valid
    return keys


def invalid_citations(text: str, allowed: Iterable[str]) -> tuple[list[str], list[str]]:
    """(all citations in the text, those whose paragraph is not among `allowed` keys)."""
    allowed_set = set(allowed)
    cited = parse_cited(text)
    return cited, [c for c in cited if c not in allowed_set]


def alce_sentence(citations: Sequence[str], supports: Callable[[tuple[str, ...]], bool]) -> tuple[bool, list[bool]]:
    """ALCE (Gao et al. 2023) for one sentence: (supported, precise flag per citation).

    `supports(keys)` says whether the union of those paragraphs supports the sentence. The sentence is
    supported when the union of all its citations supports it (no citation: unsupported). A citation
    is precise when the sentence is supported and the citation is not irrelevant; it is irrelevant when
    it alone does not support the sentence AND the other citations without it still do. (A citation of
    an unsupported sentence is never precise, as in ALCE.)
    """
    citations = list(dict.fromkeys(citations))
    if not citations:
        return False, []
    # Each citation alone first: when one supports the sentence, so does the union (no call for the
    # long joined passage), and any other that does not alone is irrelevant without a call either.
    alone = [supports((c,)) for c in citations]
    if not any(alone) and (len(citations) == 1 or not supports(tuple(citations))):
        return False, [False] * len(citations)
    return True, [ok or not supports(tuple(x for x in citations if x != c)) for c, ok in zip(citations, alone)]


def citation_scores(sentences: Iterable[Mapping[str, Any]]) -> dict[str, float | int | None]:
    """Citation recall = supported sentences / answer sentences; citation precision = precise
    citations / citations. Each sentence: {"supported": bool, "precise": [bool per citation]}."""
    n_sent = n_supported = n_cit = n_precise = 0
    for s in sentences:
        n_sent += 1
        n_supported += bool(s["supported"])
        n_cit += len(s["precise"])
        n_precise += sum(bool(p) for p in s["precise"])
    return {"recall": n_supported / n_sent if n_sent else None,
            "precision": n_precise / n_cit if n_cit else None,
            "sentences": n_sent, "citations": n_cit}


class MemoSupport:
    """`supports(keys)` for one sentence with memo and monotonicity: a set of paragraphs supports the
    sentence if a subset already did; it does not if a superset already did not. `judge(claim, passage)`
    is called only for what cannot be inferred (passages of several keys are joined by blank lines)."""

    def __init__(self, claim: str, texts: Mapping[str, str], judge: Callable[[str, str], bool]):
        self.claim, self.texts, self.judge = claim, texts, judge
        self.known: dict[frozenset[str], bool] = {}
        self.passages: dict[frozenset[str], str] = {}  # the passage each judged set was shown as

    def __call__(self, keys: tuple[str, ...]) -> bool:
        wanted = frozenset(keys)
        if wanted in self.known:
            return self.known[wanted]
        if any(v and k <= wanted for k, v in self.known.items()):
            return True
        if any(not v and wanted <= k for k, v in self.known.items()):
            return False
        passage = "\n\n".join(self.texts[k] for k in keys if k in self.texts)
        self.passages[wanted] = passage
        self.known[wanted] = bool(passage) and bool(self.judge(self.claim, passage))
        return self.known[wanted]


# --- the judge ---------------------------------------------------------------------------------------


def accuracy(rows: Sequence[Mapping[str, Any]], mode: str) -> dict[str, Any]:
    """Accuracy of verdict column `mode` against "supported", overall and per "kind"."""
    def acc(subset: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        judged = [r for r in subset if r.get(mode) is not None]
        right = sum(bool(r[mode]) == bool(r["supported"]) for r in judged)
        return {"accuracy": right / len(judged) if judged else None, "n": len(judged), "right": right}

    out = {"all": acc(rows)}
    for kind in dict.fromkeys(r["kind"] for r in rows):
        out[kind] = acc([r for r in rows if r["kind"] == kind])
    return out


def combined_verdict(score: float, has_conflict: bool, llm: bool | None, high: float, low: float) -> bool | None:
    """SupportScorer.verdict's decision rule replayed with given bands (llm None = no LLM judge)."""
    if has_conflict and llm is None:
        return False
    if not has_conflict and score >= high:
        return True
    if score < low:
        return False
    if llm is None:
        return score >= (high + low) / 2
    return llm


def sweep_thresholds(rows: Sequence[Mapping[str, Any]], with_llm: bool = True,
                     grid: Sequence[float] = tuple(round(0.02 * i, 2) for i in range(5, 50))) -> list[dict[str, Any]]:
    """Every (HIGH, LOW) on the grid, best first: accuracy of the combined rule on the rows
    ({"score", "conflict", "llm", "supported"}); ties go to fewer LLM calls."""
    results = []
    for high in grid:
        for low in grid:
            if low > high:
                continue
            right = calls = 0
            for r in rows:
                llm = r.get("llm") if with_llm else None
                verdict = combined_verdict(r["score"], r["conflict"], llm, high, low)
                right += bool(verdict) == bool(r["supported"])
                calls += with_llm and not (not r["conflict"] and r["score"] >= high) and r["score"] >= low
            results.append({"high": high, "low": low, "accuracy": right / len(rows) if rows else 0.0,
                            "llm_calls": int(calls)})
    results.sort(key=lambda x: (-x["accuracy"], x["llm_calls"], -x["high"]))
    return results


# --- comparing runs and checking minimums --------------------------------------------------------------

LOWER_IS_BETTER = {"invalid_citation_rate", "seconds_per_item", "failing_items", "invalid_citations",
                   "refusal_fp", "refusal_fn"}
NEUTRAL = {"items", "sentences", "citations", "key_facts", "lookup_items", "cited_in_text", "refusal_tp"}  # counts


def better(metric: str, old: float, new: float) -> bool:
    return new < old if metric in LOWER_IS_BETTER else new > old


def compare(previous: Mapping[str, Mapping[str, Any]], current: Mapping[str, Mapping[str, Any]],
            tolerance: float = 1e-9) -> list[dict[str, Any]]:
    """Per run and metric present in both: old, new, and "better" / "worse" ("changed" for plain counts
    such as the number of items); unchanged ones are left out."""
    changes = []
    for run, metrics in current.items():
        old_metrics = previous.get(run) or {}
        for name, new in metrics.items():
            old = old_metrics.get(name)
            if not isinstance(new, (int, float)) or not isinstance(old, (int, float)) or isinstance(new, bool):
                continue
            if abs(new - old) <= tolerance:
                continue
            change = "changed" if name in NEUTRAL else "better" if better(name, old, new) else "worse"
            changes.append({"run": run, "metric": name, "old": old, "new": new, "change": change})
    return changes


def newly_failing(previous: Mapping[str, Sequence[str]], current: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Items (by "run:id") failing now that did not fail before (and were in the previous run), and fixed ones."""
    return {"new_failures": sorted(k for k, v in current.items() if v and k in previous and not previous[k]),
            "fixed": sorted(k for k, v in current.items() if not v and previous.get(k))}


def check_thresholds(metrics: Mapping[str, Any], minimums: Mapping[str, float]) -> list[str]:
    """Messages for every metric below its minimum (or above it, for names ending in "_max").
    A metric that was not measured (None or missing) fails too: a threshold means it must be measured."""
    failures = []
    for name, bound in minimums.items():
        key = name[:-4] if name.endswith("_max") else name
        value = metrics.get(key)
        if not isinstance(value, (int, float)):
            failures.append(f"{key}: not measured (threshold {bound})")
        elif name.endswith("_max") and value > bound + 1e-9:
            failures.append(f"{key} = {value:.3f} > maximum {bound}")
        elif not name.endswith("_max") and value < bound - 1e-9:
            failures.append(f"{key} = {value:.3f} < minimum {bound}")
    return failures
