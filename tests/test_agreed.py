"""Agreed-language trace (corpus/agreed.py) and `assistant trace`, on the real corpus texts."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from corpus import agreed
from corpus.agreed import Agreement, AgreedIndex, ChangeKind, MatchKind, NotAParagraph, render_diff
from corpus.records import RESOLUTION, Citation, Document, DocumentInfo, Paragraph
from corpus.store import TEXTS, Corpus, load_corpus

ROOT = Path(__file__).resolve().parent.parent
EXCERPTS = TEXTS / "excerpts"


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def index(shipped_corpus):
    return AgreedIndex(shipped_corpus)


def test_pp8_is_found_word_for_word_in_the_a_res_73_27_excerpt(index, shipped_corpus):
    pp8 = shipped_corpus.get(RESOLUTION, "PP8").text.rstrip(",")
    # The excerpt file itself holds this wording (the test does not trust the parser alone).
    assert flat(pp8) in flat((EXCERPTS / "A_RES_73_27.txt").read_text(encoding="utf-8"))
    trace = index.trace_reference("PP8")
    assert trace.source == Citation(RESOLUTION, "PP8")
    best = trace.matches[0]
    assert best.citation.symbol == "A/RES/73/27"
    assert best.kind is MatchKind.IDENTICAL and best.similarity == 1.0 and best.word_for_word
    assert flat(shipped_corpus.cite(best.citation).text).rstrip(",") == flat(pp8)
    assert all(m.citation != trace.source for m in trace.matches)  # a paragraph is not its own match


def test_changed_wording_shows_the_word_diff(index, shipped_corpus):
    # PP17 of the draft writes "ICT" where the A/RES/73/266 excerpt spells the term out; both files say so.
    draft = flat((TEXTS / "A_C.1_73_L.27_Rev.1.txt").read_text(encoding="utf-8"))
    excerpt = flat((EXCERPTS / "A_RES_73_266.txt").read_text(encoding="utf-8"))
    assert "accessible and peaceful ICT environment, that voluntary" in draft
    assert "accessible and peaceful information and communications technology environment" in excerpt
    match = next(m for m in index.trace_reference("PP17").matches if m.citation.symbol == "A/RES/73/266")
    assert match.kind is MatchKind.NEAR and agreed.NEAR_RATIO <= match.similarity < 1.0
    changes = [c for c in match.diff if c.kind is not ChangeKind.SAME]
    assert any(c.kind is ChangeKind.CHANGED and c.corpus_words == ("information", "and", "communications", "technology")
               and c.text_words == ("ICT",) for c in changes)
    assert "[-information and communications technology-] {+ICT+}" in render_diff(match.diff)
    # The same paragraph traced from the other side reads the other way round.
    back = next(m for m in index.trace_reference("A/RES/73/266 ¶" + match.citation.label).matches
                if m.citation == Citation(RESOLUTION, "PP17"))
    assert "[-ICT-] {+information and communications technology+}" in render_diff(back.diff)


def test_a_pasted_sentence_is_found_inside_a_longer_paragraph(index, shipped_corpus):
    paragraph = shipped_corpus.get(RESOLUTION, "1.3").text
    second = paragraph.split(". ")[1].rstrip(".")  # the paragraph's second sentence, as printed
    assert len(second.split()) >= 10
    match = index.trace(second).matches[0]
    assert match.citation == Citation(RESOLUTION, "1.3")
    assert match.kind is MatchKind.PARTIAL and match.similarity == 1.0
    assert match.text_coverage == 1.0 and match.corpus_coverage < 0.7
    assert flat(match.corpus_wording) == flat(second)


def test_a_reused_sentence_with_one_word_more_is_a_partial_match_with_its_diff(index):
    # A/70/174 para. 24 opens with a clause that PP17 of the draft repeats without one "is".
    match = next(m for m in index.trace_reference("A/70/174 ¶24").matches if m.citation == Citation(RESOLUTION, "PP17"))
    assert match.kind is MatchKind.PARTIAL and 0.9 < match.similarity < 1.0
    assert [c for c in match.diff if c.kind is not ChangeKind.SAME] == [agreed.WordChange(ChangeKind.ADDED, (), ("is",))]


def test_statement_check_sorts_agreed_altered_and_new_sentences(index, shipped_corpus, tmp_path):
    agreed_sentence = shipped_corpus.get(RESOLUTION, "PP14").text.rstrip(",") + "."
    first = shipped_corpus.get(RESOLUTION, "1.3").text.split(". ")[0]
    assert " allow " in first
    altered = first.replace(" allow ", " permit ") + "."
    new = "Our delegation will host a workshop on quantum networks next spring."
    statement = tmp_path / "statement.txt"
    statement.write_text(f"Mr. Chair, {agreed_sentence[0].lower()}{agreed_sentence[1:]} {altered}\n\n{new}\n",
                         encoding="utf-8")
    check = index.check_statement(statement.read_text(encoding="utf-8"))
    assert [s.agreement for s in check.sentences] == [Agreement.NEAR, Agreement.NEAR, Agreement.NEW]
    # "Mr. Chair," in front of an agreed sentence: near, the two words shown as added.
    opening = check.sentences[0]
    assert opening.closest.citation.label == "PP14" or Citation(RESOLUTION, "PP14") in opening.also
    assert [c.text_words for c in opening.closest.diff if c.kind is not ChangeKind.SAME] == [("Mr", "Chair")]
    swap = check.sentences[1].closest
    assert swap.citation == Citation(RESOLUTION, "1.3")
    assert [(c.corpus_words, c.text_words) for c in swap.diff if c.kind is not ChangeKind.SAME] == [(("allow",), ("permit",))]
    assert check.sentences[2].closest is None

    verbatim = index.check_statement(agreed_sentence)
    assert verbatim.sentences[0].agreement is Agreement.VERBATIM
    places = {verbatim.sentences[0].closest.citation, *verbatim.sentences[0].also}
    assert Citation(RESOLUTION, "PP14") in places and any(c.symbol == "A/RES/73/27" for c in places)
    rendered = agreed.render_check(check)
    assert "[-allow-] {+permit+}" in rendered and "no agreed language found" in rendered


def test_short_text_and_document_references(index):
    assert index.trace("of the").matches == ()
    with pytest.raises(NotAParagraph):
        index.trace_reference("A/70/174")
    with pytest.raises(NotAParagraph):
        index.trace_reference("1.99")


def test_user_documents_are_traced_too(tmp_path, shipped_corpus):
    """A user-ingested document is part of the corpus the trace searches."""
    from corpus.parse import parse_excerpt
    from corpus.store import save_user_document

    pp9 = shipped_corpus.get(RESOLUTION, "PP9").text
    altered = pp9.replace("becoming more likely", "becoming ever more likely")
    assert altered != pp9
    text = ("---\nsymbol: A/TEST/1\ntitle: A test document\ndate: 2020-01-01\nkind: resolution\n"
            "source: test\ncompleteness: full\n---\nThe General Assembly,\n\n" + altered + "\n")
    save_user_document(tmp_path, parse_excerpt(text), text, "excerpt", "test")
    index = AgreedIndex(load_corpus(user_dir=tmp_path))
    match = next(m for m in index.trace_reference("PP9").matches if m.citation.symbol == "A/TEST/1")
    assert match.kind is MatchKind.NEAR
    assert [c.text_words for c in match.diff if c.kind is not ChangeKind.SAME] == [()]  # "ever" only there
    assert render_diff(match.diff).count("[-ever-]") == 1


def test_the_inverted_index_scales_past_common_shingles(shipped_corpus):
    """With thousands of paragraphs, a phrase every paragraph has picks no candidates, and the trace
    still finds the real match."""
    rng = random.Random(18)
    vocabulary = [f"w{i}" for i in range(3000)]
    stock = "in the field of information and telecommunications"
    filler = tuple(
        Paragraph("A/99/999", str(n), "operative", f"{' '.join(rng.choices(vocabulary, k=30))} {stock}", n)
        for n in range(3000))
    documents = dict(shipped_corpus.documents)
    documents["A/99/999"] = Document(DocumentInfo("A/99/999", "filler"), filler)
    index = AgreedIndex(Corpus(documents, "test"))
    assert ("in", "the", "field") not in index.postings
    assert len(index._candidates(agreed._Words.of(filler[0].text), None)) <= agreed.MAX_CANDIDATES
    best = index.trace_reference("PP8").matches[0]
    assert best.citation.symbol == "A/RES/73/27" and best.kind is MatchKind.IDENTICAL
    assert index.trace_reference("A/99/999 ¶7").matches == ()  # random words are no one's language


def _cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", "trace", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "ASSISTANT_DATA_DIR": str(data_dir)})


def test_cli_trace_json_text_and_file(tmp_path, shipped_corpus):
    out = _cli("PP8", "--json", data_dir=tmp_path)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["source"] == f"[{RESOLUTION} ¶PP8]"
    assert data["matches"][0]["symbol"] == "A/RES/73/27" and data["matches"][0]["kind"] == "identical"
    assert "torch" not in out.stderr

    sentence = shipped_corpus.get(RESOLUTION, "1.3").text.split(". ")[1]
    out = _cli("--text", sentence, data_dir=tmp_path)
    assert out.returncode == 0, out.stderr
    assert f"[{RESOLUTION} ¶1.3]  partial, similarity 1.00" in out.stdout

    statement = tmp_path / "statement.txt"
    statement.write_text(shipped_corpus.get(RESOLUTION, "PP8").text.rstrip(",") + ". We like tea very much indeed.",
                         encoding="utf-8")
    out = _cli("--file", str(statement), "--json", data_dir=tmp_path)
    assert out.returncode == 0, out.stderr
    assert [s["agreement"] for s in json.loads(out.stdout)["sentences"]] == ["verbatim", "new"]

    out = _cli("A/70/174", data_dir=tmp_path)
    assert out.returncode == 2 and "names a document" in out.stderr
    out = _cli(data_dir=tmp_path)
    assert out.returncode == 2
