"""The eval suite: metric functions on small fakes, then the CI fast suite against evals/thresholds.toml.

Fast suite (a few minutes): retrieval metrics, every item (lookups included) through the extractive
backend, the support judge's score-only accuracy, and LLM_SAMPLE (6 items, incl. an unanswerable and a
follow-up) through the real default LLM (marked `llm`).
"""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest

from evals import metrics as M
from evals.judge import quoted_verbatim

# --- metric functions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["items.jsonl", "holdout.jsonl", "holdout2.jsonl"])
def test_eval_items_point_at_paragraphs_the_corpus_has(corpus, name):
    from evals.answers import ITEMS, load_items

    items = load_items(ITEMS.parent / name)
    known = {str(p.citation).strip("[]") for p in corpus.paragraphs()}
    assert len({i["id"] for i in items}) == len(items)
    for item in items:
        assert set(item["gold"]) <= known, item["id"]
        assert not item["refuse"] or not (item["gold"] or item["key_facts"]), item["id"]


def test_facts_stated_alternatives_case_and_typography():
    text = "States ‘should’ take APPROPRIATE measures, per resolution 58/199."
    assert M.facts_stated(text, ["appropriate measures", "57/239|58/199", "'should'", "must"]) == [True, True, True, False]
    assert M.facts_stated("", ["x"]) == [False]


def test_key_fact_recall_is_micro_averaged():
    assert M.key_fact_recall([[True, False], [True, True, True, True]]) == pytest.approx(5 / 6)
    assert M.key_fact_recall([]) is None


def test_refusal_scores():
    s = M.refusal_scores([(True, True), (True, True), (True, False), (False, True), (False, False)])
    assert (s["precision"], s["recall"]) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert s["f1"] == pytest.approx(2 / 3)
    assert M.refusal_scores([(False, False)])["f1"] is None  # nothing to refuse, nothing refused
    missed = M.refusal_scores([(False, True)])
    assert (missed["precision"], missed["recall"], missed["f1"]) == (None, 0.0, 0.0)


def test_lookup_exact_paragraph_and_document():
    gold = "States should  protect their critical infrastructure."
    assert M.lookup_exact("1.7 (operative): “States should protect their critical\ninfrastructure.”", [gold])
    assert not M.lookup_exact("States should protect critical infrastructure.", [gold])
    assert M.lookup_exact("A/RES/58/199 is cited in ¶1.7.", [], ["A/RES/58/199", "global culture|critical"])
    assert not M.lookup_exact("Resolution 58/199 is cited in ¶1.7.", [], ["A/RES/58/199"])
    assert not M.lookup_exact("anything", [], ["no symbol here"])


def test_parse_cited_and_invalid():
    text = ("The group meets in June 2019 [A/C.1/73/L.27/Rev.1 ¶6]. See [A/70/174 ¶26, ¶27] and (¶9) "
            "⚠ Not this [not supported by the cited documents] nor [¶1.6].")
    assert M.parse_cited(text) == ["A/C.1/73/L.27/Rev.1 ¶6", "A/70/174 ¶26", "A/70/174 ¶27", "¶1.6"]
    cited, invalid = M.invalid_citations(text, {"A/C.1/73/L.27/Rev.1 ¶6", "A/70/174 ¶26", "A/70/174 ¶27"})
    assert len(cited) == 4 and invalid == ["¶1.6"]
    assert M.parse_cited("[A/C.1/73/L.27/Rev.1 ¶4(c)] [A/RES/36/103 ¶annex-PP2]") == [
        "A/C.1/73/L.27/Rev.1 ¶4(c)", "A/RES/36/103 ¶annex-PP2"]


def _supports(supporting_sets):
    """A fake union judge: the keys support the sentence if they include one of `supporting_sets`."""
    calls = []

    def supports(keys):
        calls.append(keys)
        return any(set(s) <= set(keys) for s in supporting_sets)

    supports.calls = calls
    return supports


def test_alce_sentence_cases():
    assert M.alce_sentence([], _supports([{"a"}])) == (False, [])
    assert M.alce_sentence(["a"], _supports([{"a"}])) == (True, [True])
    assert M.alce_sentence(["b"], _supports([{"a"}])) == (False, [False])
    # b is irrelevant: alone it does not support, and a still supports without it
    assert M.alce_sentence(["a", "b"], _supports([{"a"}])) == (True, [True, False])
    # a and b are both needed: neither alone, but removing either breaks support
    assert M.alce_sentence(["a", "b"], _supports([{"a", "b"}])) == (True, [True, True])
    # an unsupported sentence: none of its citations is precise
    assert M.alce_sentence(["a", "b"], _supports([{"c"}])) == (False, [False, False])
    # duplicates count once
    assert M.alce_sentence(["a", "a"], _supports([{"a"}])) == (True, [True])


def test_memo_support_infers_from_subsets_and_supersets():
    calls = []

    def judge(claim, passage):
        calls.append(passage)
        return "A" in passage

    memo = M.MemoSupport("claim", {"a": "A", "b": "B", "c": "C"}, judge)
    assert M.alce_sentence(["a", "b", "c"], memo) == (True, [True, False, False])
    # each alone first; a supports, so the union and (a,c) ⊇ {a}, (a,b) ⊇ {a} are inferred, never asked
    assert calls == ["A", "B", "C"]
    assert memo(("b",)) is False and len(calls) == 3
    assert M.MemoSupport("claim", {}, judge)(("zzz",)) is False  # no text: never supported


def test_citation_scores():
    rows = [{"supported": True, "precise": [True, False]}, {"supported": False, "precise": []},
            {"supported": True, "precise": [True]}]
    s = M.citation_scores(rows)
    assert s["recall"] == pytest.approx(2 / 3) and s["precision"] == pytest.approx(2 / 3)
    assert M.citation_scores([])["recall"] is None


def test_combined_verdict_and_sweep():
    assert M.combined_verdict(0.9, False, False, 0.6, 0.3) is True  # clear score: LLM not asked
    assert M.combined_verdict(0.9, True, False, 0.6, 0.3) is False  # conflict goes to the LLM
    assert M.combined_verdict(0.1, False, True, 0.6, 0.3) is False
    assert M.combined_verdict(0.5, False, None, 0.6, 0.3) is True  # no LLM: midpoint
    assert M.combined_verdict(0.9, True, None, 0.6, 0.3) is False  # no LLM: conflict is a rule
    rows = [{"score": 0.9, "conflict": False, "llm": False, "supported": True},
            {"score": 0.5, "conflict": False, "llm": False, "supported": False},
            {"score": 0.5, "conflict": True, "llm": True, "supported": True}]
    best = M.sweep_thresholds(rows)[0]
    assert best["accuracy"] == 1.0 and best["llm_calls"] == 2


def test_compare_and_newly_failing_and_thresholds():
    old = {"sys": {"citation_recall": 0.8, "invalid_citation_rate": 0.1, "items": 5}}
    new = {"sys": {"citation_recall": 0.7, "invalid_citation_rate": 0.0, "items": 5}, "other": {"x": 1.0}}
    changes = {c["metric"]: c["change"] for c in M.compare(old, new)}
    assert changes == {"citation_recall": "worse", "invalid_citation_rate": "better"}
    assert M.compare({"s": {"items": 5}}, {"s": {"items": 6}})[0]["change"] == "changed"
    moved = M.newly_failing({"sys:q1": [], "sys:q2": ["x"]}, {"sys:q1": ["refused"], "sys:q2": [], "sys:q3": ["y"]})
    assert moved == {"new_failures": ["sys:q1"], "fixed": ["sys:q2"]}
    failures = M.check_thresholds({"a": 0.5, "b": 0.2, "c": None}, {"a": 0.6, "b_max": 0.1, "c": 0.1, "d": 0.0})
    assert [f.split()[0] for f in failures] == ["a", "b", "c:", "d:"]
    assert M.check_thresholds({"a": 0.6, "b": 0.0}, {"a": 0.6, "b_max": 0.0}) == []


def test_quoted_verbatim():
    passage = "Also decides that the open-ended working group shall hold its organizational session in June 2019."
    assert quoted_verbatim('Operative paragraph 6; "Also decides": “Also decides that the open-ended working group '
                           'shall hold its organizational session in June 2019.”', passage)
    assert quoted_verbatim("the open-ended working group shall hold its organizational session", passage)
    assert quoted_verbatim("It says: “Also decides that the open-ended … session in June 2019”", passage)
    assert not quoted_verbatim("It says: “the working group shall hold its session in July 2019”", passage)
    assert not quoted_verbatim("It meets in June 2019.", passage)


def test_score_record_on_fakes():
    from evals.answers import aggregate, score_record

    paragraphs = {"R ¶1": "States should protect critical infrastructure.", "R ¶2": "The group meets in June 2019."}
    corpus = SimpleNamespace(cite=lambda c: SimpleNamespace(text=paragraphs[c.key]) if c.key in paragraphs else None)
    item = {"id": "x1", "category": "lookup", "gold": ["R ¶2"], "key_facts": ["June 2019", "Geneva"], "refuse": False}
    record = {"id": "x1", "category": "lookup", "answer": "The group meets in June 2019. [R ¶2] [R ¶9]",
              "route": "answer", "refused": False, "seconds": 1.0,
              "retrieved": [{"key": k, "text": t} for k, t in paragraphs.items()],
              "sentences": [{"text": "The group meets in June 2019.", "citations": ["R ¶2", "R ¶1"]},
                            {"text": "It meets in Geneva.", "citations": []}]}
    judge = lambda claim, passage: "June 2019" in passage  # noqa: E731
    e = score_record(record, item, judge, paragraphs, corpus)["eval"]
    assert e["key_facts"] == [True, False] and e["refusal_ok"] and e["lookup_exact"]
    assert e["invalid"] == ["R ¶9"] and e["cited_in_text"] == 2
    assert [(s["supported"], s["precise"]) for s in e["sentences"]] == [(True, [True, False]), (False, [])]
    assert any("invalid" in f for f in e["failures"]) and any("unsupported" in f for f in e["failures"])
    m = aggregate([record], [item])
    assert (m["citation_recall"], m["citation_precision"], m["invalid_citation_rate"]) == (0.5, 0.5, 0.5)
    assert m["key_fact_recall"] == 0.5 and m["lookup_accuracy"] == 1.0 and m["refusal_f1"] is None


def test_judge_asks_passage_by_passage():
    # The LLM reads a passage once when every sentence is asked about it in a row (prefix cache).
    from evals.answers import judge_passage_by_passage

    asked = []
    first = [{"text": "s1", "citations": ["a", "b"]}, {"text": "s2", "citations": ["b", "a", "gone"]}]
    second = [{"text": "s3", "citations": ["c"]}, {"text": "s1", "citations": ["x"]}]  # "x" is chunk "A" again
    judge_passage_by_passage([(first, {"a": "A", "b": "B"}), (second, {"c": "C", "x": "A"})],
                             lambda claim, passage: asked.append((passage, claim)))
    assert asked == [("A", "s1"), ("A", "s2"), ("B", "s1"), ("B", "s2"), ("C", "s3")]


def test_report_is_self_contained_and_escaped(tmp_path):
    from evals.report import write_report

    evil = "<script>alert(1)</script> & <img src=x onerror=alert(2)>"
    record = {"id": "q<1>", "category": "factual", "question": evil, "history": [{"question": evil, "answer": "a"}],
              "answer": evil, "route": "answer", "refused": False, "seconds": 1.0,
              "retrieved": [{"key": "R ¶1", "text": evil}],
              "eval": {"key_facts": [False], "refusal_ok": True, "failures": [evil],
                       "sentences": [{"text": evil, "citations": ["R ¶1"], "supported": False, "precise": [False],
                                      "checks": [{"keys": ["R ¶1"], "supported": False, "how": evil}]}]}}
    metrics = {"citation_recall": 0.0, "invalid_citation_rate": 0.0, "items": 1, "by_category": {"factual": {"items": 1}}}
    payload = {"what": "answers", "suite": "fast", "backend": "extractive", "started": evil, "corpus_version": "v",
               "seconds": 1.0, "timings": {}, "runs": {"system-extractive": {"judge": evil, "llm_judge_calls": 0,
                                                                             "metrics": metrics, "items": [record]}},
               "thresholds": {"targets": {"citation_recall": 0.85}}, "threshold_failures": {"x": [evil]},
               "comparison": {"previous": evil, "metrics": [], "items": {"new_failures": [evil], "fixed": []}}}
    html = write_report(payload, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;script&gt;" in html and "<svg" in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html, re.I)
    assert "<link" not in html.lower() and "@import" not in html


def test_cli_lists_every_subcommand(capsys):
    from evals.__main__ import main

    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(name in out for name in ("retrieval", "answers", "judge", "all"))


def test_baseline_documents_and_refusal_pattern():
    from evals.baseline import REFUSAL, baseline_documents

    docs = baseline_documents()
    assert docs[0].metadata["source"] == "A/C.1/73/L.27/Rev.1"
    assert all(not d.page_content.startswith("---") and "completeness:" not in d.page_content[:300] for d in docs[1:])
    assert {"A/70/174", "A/RES/58/199"} <= {d.metadata["source"] for d in docs}
    assert REFUSAL.search("I don't know.") and REFUSAL.search("The context does not mention the chair.")
    assert not REFUSAL.search("The group meets in June 2019.")


def test_baseline_chain_on_a_fake_llm(embedding_encoder):
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from evals.baseline import Baseline

    llm = FakeListChatModel(responses=["The working group meets in June 2019 in New York. It reports later.", "I don't know."])
    baseline = Baseline(embedding_encoder, llm)
    assert all(len(c.page_content) <= 1000 for c in baseline.chunks)
    first = baseline.ask("When does the open-ended working group hold its organizational session?")
    assert not first["refused"] and len(first["retrieved"]) == 4
    assert [s["citations"] for s in first["sentences"]] == [first["cited"]] * 2
    assert any("June 2019" in r["text"] for r in first["retrieved"])
    second = baseline.ask("Who chairs it?", [("When does it meet?", first["answer"])])
    assert second["refused"] and second["sentences"] == []


# --- the CI fast suite ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def thresholds():
    from evals.suite import load_thresholds

    return load_thresholds()


@pytest.fixture(scope="session")
def eval_assistant():
    from evals.answers import make_assistant

    return make_assistant("extractive")


@pytest.fixture(scope="session")
def eval_items():
    from evals.answers import load_items

    return load_items()


def _assert_meets(metrics, minimums, label):
    failures = M.check_thresholds(metrics, minimums)
    assert not failures, f"[{label}] below evals/thresholds.toml: {failures}"


def test_fast_retrieval_meets_thresholds(eval_assistant, thresholds):
    from evals import retrieval as R

    results = R.evaluate(eval_assistant.searcher, R.load_items(), modes=("hybrid",))
    _assert_meets(results["hybrid"], thresholds["retrieval"]["hybrid"], "retrieval.hybrid")


def test_fast_extractive_all_items_meet_thresholds(eval_assistant, eval_items, thresholds):
    from evals.answers import ask_items
    from evals.judge import SupportJudge
    from evals.suite import score_run

    records = ask_items(eval_assistant, eval_items, "extractive", progress=False)
    run = score_run(eval_assistant, "system-extractive", records, eval_items, "extractive",
                    SupportJudge(eval_assistant, "extractive"))
    metrics = run["metrics"]
    assert metrics["items"] == len(eval_items) and metrics["lookup_items"] == 21
    failing = {r["id"]: r["eval"]["failures"] for r in records if r["eval"]["failures"]}
    lookups = {i: f for i, f in failing.items() if any("lookup" in x for x in f)}
    assert not M.check_thresholds(metrics, thresholds["fast"]["system-extractive"]), (
        f"{M.check_thresholds(metrics, thresholds['fast']['system-extractive'])}; lookups not exact: {lookups}")


def test_fast_judge_score_only_meets_thresholds(eval_assistant, thresholds):
    from evals.judge import flat_metrics, judge_pairs

    judged = judge_pairs(eval_assistant, "extractive")
    assert judged["pairs"] == 76
    _assert_meets(flat_metrics(judged), thresholds["fast"]["judge"], "fast.judge")


@pytest.mark.llm
def test_fast_llm_sample_meets_thresholds(eval_assistant, eval_items, thresholds):
    from assistant.config import Settings
    from evals.answers import LLM_SAMPLE, ask_items
    from evals.judge import SupportJudge
    from evals.suite import score_run

    # The configured LLM backend; the local model when the environment chose no LLM.
    backend = Settings().backend if Settings().backend != "extractive" else "llama-cpp"
    sample = [i for i in eval_items if i["id"] in LLM_SAMPLE]
    assert {i["category"] for i in sample} >= {"unanswerable", "followup"}
    records = ask_items(eval_assistant, sample, backend, progress=False)
    assert all(not r["backend"].startswith("extractive") for r in records), "the LLM failed: extractive fallback"
    run = score_run(eval_assistant, "system-llm", records, sample, backend, SupportJudge(eval_assistant, backend))
    details = {r["id"]: (r["answer"][:200], r["eval"]["failures"]) for r in records if r["eval"]["failures"]}
    failures = M.check_thresholds(run["metrics"], thresholds["fast"]["system-llm"])
    assert not failures, f"[fast.system-llm] {failures}; failing items: {json.dumps(details, ensure_ascii=False)}"


def test_cli_writes_json_and_html_and_compares(tmp_path, capsys):
    from evals.__main__ import main

    argv = ["answers", "--suite", "fast", "--backend", "extractive", "--ids", "q087,q109", "--out", str(tmp_path)]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert "No previous run" in first and "lookup_accuracy" in first
    assert main(argv) == 0
    second = capsys.readouterr().out
    assert "Compared with" in second
    runs = sorted(tmp_path.glob("run-fast-*.json"))
    reports = sorted(tmp_path.glob("report-fast-*.html"))
    assert len(runs) >= 1 and len(reports) >= 1
    payload = json.loads(runs[-1].read_text(encoding="utf-8"))
    assert [r["id"] for r in payload["runs"]["system-extractive"]["items"]] == ["q087", "q109"]


def test_cli_retrieval_ignores_the_suite_options_that_assistant_eval_forwards():
    from evals.__main__ import _drop_options

    argv = ["retrieval", "--suite", "full", "--backend=extractive", "--out", "x.json"]
    assert _drop_options(argv, ("--suite", "--backend")) == ["retrieval", "--out", "x.json"]


def _fake_record(item_id, refused=False):
    return {"id": item_id, "category": "factual", "question": "?", "answer": "a", "route": "answer", "refused": refused,
            "seconds": 1.0, "sentences": [], "retrieved": [],
            "eval": {"key_facts": [True, not refused], "refusal_ok": not refused, "invalid": [], "cited_in_text": 0,
                     "sentences": [], "failures": ["refused"] if refused else []}}


def test_merge_and_system_metrics_on_the_baselines_items():
    from evals.suite import SUBSET_RUN, add_subset_run, merge

    system = {"metrics": {}, "judge": "j", "llm_judge_calls": 3, "backend": "llama-cpp",
              "items": [_fake_record("q001"), _fake_record("q002", refused=True), _fake_record("q003")]}
    baseline = {"metrics": {}, "judge": "j", "llm_judge_calls": 1, "backend": "llama-cpp", "items": [_fake_record("q002")]}
    earlier = {"what": "all", "runs": {"system-llm": system}, "judge": {"modes": {}}, "timings": {"x": 1.0}, "seconds": 5.0}
    now = {"what": "answers", "runs": {"baseline": baseline}, "timings": {"y": 2.0}, "seconds": 1.0}
    merged = merge(now, earlier)
    assert set(merged["runs"]) == {"system-llm", "baseline"} and merged["judge"] == {"modes": {}}
    assert merged["what"] == "all" and merged["seconds"] == 6.0 and "x (earlier run)" in merged["timings"]
    add_subset_run(merged)
    subset = merged["runs"][SUBSET_RUN]
    assert [r["id"] for r in subset["items"]] == ["q002"] and subset["metrics"]["items"] == 1
    assert subset["metrics"]["key_fact_recall"] == 0.5


def test_stability_lists_what_changed_between_two_runs_and_nothing_else():
    from evals.stability import Decision, changes

    def record(refused=False, reason="", cited=("A ¶1",), supported=(True,), text="It says so."):
        return {"refused": refused, "refusal_reason": reason, "route": "refusal" if refused else "answer",
                "cited": list(cited), "sentences": [{"text": text, "citations": list(cited), "system_supported": s}
                                                    for s in supported]}

    same = Decision.of(record())
    assert changes(same, Decision.of(record(text="Other words, same paragraph."))) == []
    assert changes(same, Decision.of(record(refused=True, reason="model", cited=(), supported=())))[0] == \
        "refusal: answered -> model"
    assert any(c.startswith("supported:") for c in changes(same, Decision.of(record(supported=(False,)))))
    assert any(c.startswith("cited:") for c in changes(same, Decision.of(record(cited=("A ¶2",)))))
