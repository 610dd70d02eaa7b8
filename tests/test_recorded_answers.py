"""The recorded LLM answers of the reference runs (evals/reference/holdout3-after.json, holdout4-after.json,
holdout5-after.json, holdout6-0ce999d.json, tuned-after.json).

Every sentence they show as supported was read by a person against its cited paragraphs
(evals/data/read_supported.jsonl; the verdicts and the list of those read as not supported are in
evals/data/READ_SUPPORTED.md: issue 15's goal of none is not met, and this test does not pretend it is).
What is asserted: no sentence shown as supported went unread, and the final rule-based checks of the
support stage (invented numbers, names and roles; a stronger obligation than the paragraph's; another
actor for the paragraph's verb; a "Yes" its paragraph does not confirm; a place named that is not cited) hold for every one of them,
run again with no model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.actors import other_actor
from assistant.chain import YES, references
from assistant.question import yes_no
from assistant.sources import uncited_source
from assistant.support import invented_terms, stronger_wording, unconfirmed
from corpus.records import Citation
from corpus.weight import weight

ROOT = Path(__file__).resolve().parent.parent
RUNS = {"holdout3": ROOT / "evals/reference/holdout3-after.json", "holdout4": ROOT / "evals/reference/holdout4-after.json",
        "holdout5": ROOT / "evals/reference/holdout5-after.json", "holdout6": ROOT / "evals/reference/holdout6-0ce999d.json",
        "tuned": ROOT / "evals/reference/tuned-after.json"}
READ = ROOT / "evals/data/read_supported.jsonl"


def _supported_sentences():
    for name, path in RUNS.items():
        for record in json.loads(path.read_text(encoding="utf-8"))["runs"]["system-llm"]["items"]:
            for sentence in record["sentences"]:
                if sentence["system_supported"]:
                    yield name, record, sentence


def _readings() -> dict[tuple[str, str, str], dict]:
    rows = [json.loads(line) for line in READ.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {(r["set"], r["id"], r["sentence"]): r for r in rows}


def test_every_sentence_shown_as_supported_was_read():
    readings = _readings()
    unread = [(name, r["id"], s["text"]) for name, r, s in _supported_sentences() if (name, r["id"], s["text"]) not in readings]
    assert unread == []
    assert {v["verdict"] for v in readings.values()} <= {"supported", "not supported"}


@pytest.mark.parametrize("name", RUNS)
def test_no_sentence_shown_as_supported_fails_the_final_rules_of_the_support_check(name, shipped_corpus):
    found = []
    for run, record, sentence in _supported_sentences():
        if run != name:
            continue
        cited = [shipped_corpus.cite(Citation.parse(key)) for key in sentence["citations"]]
        passages = " ".join(p.text for p in cited)
        # As the pipeline names them: the question, and the cited paragraphs' labels and headings.
        named = " ".join([record["question"], record.get("standalone", ""), *sentence["citations"],
                          *(weight(p, shipped_corpus) for p in cited)])
        if sentence["text"].startswith(tuple("“\"")) or "“" in sentence["text"]:
            continue  # a verbatim quote of its paragraph, named
        problems = invented_terms(sentence["text"], passages, named) + stronger_wording(sentence["text"], passages)
        problems += [why] if (why := other_actor(sentence["text"], passages)) else []
        problems += [f"names {where}"] if (where := uncited_source(sentence["text"], [p.citation for p in cited],
                                                                   shipped_corpus)) else []
        if YES.match(sentence["text"]) and yes_no(record["standalone"] or record["question"]):
            named_text = references([p.citation for p in cited], cited, shipped_corpus)
            problems += unconfirmed(record["standalone"] or record["question"], passages, named_text)
        if problems:
            found.append((record["id"], sentence["text"], problems))
    assert found == []
