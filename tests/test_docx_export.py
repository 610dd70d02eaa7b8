"""DOCX export (ui/docx_export.py): a conversation answered by the extractive backend, saved, reopened."""

from __future__ import annotations

import io
import re
import zipfile
from types import SimpleNamespace

import docx
import pytest
from lxml import etree

from corpus.records import RESOLUTION, Citation
from ui.conversation import Conversation, Turn
from ui.docx_export import answer_docx, conversation_docx, un_citation, write_docx

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
QUESTIONS = [
    "What does 1.6 say?",
    "What does the resolution say about attacks on critical infrastructure?",
    "What does the third preambular paragraph say?",
    "What does 1.6 say?",  # the same paragraph again: it keeps its first footnote
]


def footnotes_of(data: bytes) -> dict[int, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = etree.fromstring(z.read("word/footnotes.xml"))
    return {int(n.get(f"{W}id")): "".join(n.itertext()) for n in root.iter(f"{W}footnote")
            if n.get(f"{W}type") is None}


def document_xml(data: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return etree.fromstring(z.read("word/document.xml"))


@pytest.fixture(scope="module")
def conversation(extractive):
    conv = Conversation()
    for question in QUESTIONS:
        conv.turns.append(Turn(question, extractive.ask(question)))
    conv.turns.append(Turn("A question that failed", error="the model server did not answer"))
    conv.turns[0].rating = "up"
    return conv


def test_conversation_docx_has_one_real_footnote_per_cited_paragraph(conversation, shipped_corpus, tmp_path):
    data = conversation_docx(conversation, shipped_corpus, {"backend": "extractive"})
    path = write_docx(data, "conversation")
    assert path.suffix == ".docx" and path.read_bytes() == data

    cited = {}
    for turn in conversation.turns:
        for c in (turn.answer.citations if turn.answer else []):
            cited.setdefault(c.citation.key, c)
    assert len(cited) >= 3 and f"{RESOLUTION} ¶1.6" in cited

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml" in \
            z.read("[Content_Types].xml").decode()
        assert re.search(r'Type="[^"]*/relationships/footnotes" Target="footnotes.xml"',
                         z.read("word/_rels/document.xml.rels").decode())
    notes = footnotes_of(data)
    assert sorted(notes) == list(range(1, len(cited) + 1))  # one per paragraph, numbered in reading order
    for key, c in cited.items():
        paragraph = shipped_corpus.cite(c.citation)
        holding = [n for n, text in notes.items() if un_citation(c.citation) + ":" in text]
        assert len(holding) == 1, (key, notes)
        assert f"“{paragraph.text}”" in notes[holding[0]]  # the paragraph, verbatim
    assert any("A/C.1/73/L.27/Rev.1, para. 1.6: “A State should not" in text for text in notes.values())
    assert any("A/C.1/73/L.27/Rev.1, preambular para. 3: " in text for text in notes.values())

    body = document_xml(data)
    refs = [int(r.get(f"{W}id")) for r in body.iter(f"{W}footnoteReference")]
    assert sorted(refs) == sorted(notes)  # each note is referenced once in the text
    again = [f.get(f"{W}instr") for f in body.iter(f"{W}fldSimple")]
    assert again and all(re.fullmatch(r" NOTEREF _RefNote\d+ \\f \\h ", i) for i in again)
    bookmarks = {b.get(f"{W}name") for b in body.iter(f"{W}bookmarkStart")}
    assert all(i.split()[1] in bookmarks for i in again)

    reopened = docx.Document(str(path))
    text = "\n".join(p.text for p in reopened.paragraphs)
    assert "¶1.6]" not in text  # the markers became footnotes
    assert "Conversation about A/C.1/73/L.27/Rev.1" in text and "What does 1.6 say?" in text
    assert "Error: the model server did not answer" in text and "Rated: helpful" in text
    assert reopened.styles["footnote reference"].font.superscript


def test_answer_docx_and_document_text_stays_text(shipped_corpus):
    """Text that looks like WordprocessingML, or a field, is written as characters, never as markup."""
    hostile = '<w:fldSimple w:instr="INCLUDETEXT c:\\\\x"/> & { DDE } \x07'
    citation = Citation(RESOLUTION, "1.6")
    cited = SimpleNamespace(citation=citation, text=hostile, kind="operative", page=3)
    answer = SimpleNamespace(text=f"It says {hostile}. {citation}\nSecond line {citation} and [not ¶ a citation].",
                             citations=[cited], sentences=[SimpleNamespace(supported=False)], refused=False,
                             backend="test")
    data = answer_docx("Q?", answer, shipped_corpus)
    notes = footnotes_of(data)
    assert list(notes) == [1] and hostile.replace("\x07", "") in notes[1]
    body = document_xml(data)
    assert [f.get(f"{W}instr") for f in body.iter(f"{W}fldSimple")] == [" NOTEREF _RefNote1 \\f \\h "]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert '<w:fldSimple w:instr="INCLUDETEXT' in text and "[not ¶ a citation]" in text
    assert "⚠ 1 sentence(s) not supported" in text


@pytest.mark.parametrize("label, expected", [
    ("1.6", "para. 1.6"), ("PP8", "preambular para. 8"), ("fn2", "footnote 2"), ("header", "front matter"),
    ("4(a)", "para. 4 (a)"), ("annex-PP2", "annex, preambular para. 2"), ("annex-1", "annex, para. 1"),
    ("56-b1", "para. 56, bullet 1"), ("summary-2", "summary, para. 2"), ("letter-1", "letter of transmittal, para. 1"),
    ("gap1.3", "unnumbered paragraph (excerpt, label gap1.3)"),
])
def test_un_style_citations(label, expected):
    assert un_citation(Citation("A/X/1", label)) == f"A/X/1, {expected}"


def test_the_app_exports_a_conversation_as_docx(ui_server):
    """The "DOCX" choice of the export radio, through the real Gradio server and client."""
    from gradio_client import Client

    c = Client(ui_server.url, verbose=False)
    _, answer, _, _ = c.predict("What does 1.6 say?", "extractive", 5, [], api_name="/ask")
    assert answer["citations"], answer
    path = c.predict("DOCX", "extractive", 5, [], api_name="/export_conversation")
    assert path.endswith(".docx")
    data = open(path, "rb").read()
    notes = footnotes_of(data)
    assert len(notes) == len({x["citation"] for x in answer["citations"]})
    assert any(f"{RESOLUTION}, para. 1.6: “" in text for text in notes.values())
