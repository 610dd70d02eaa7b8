"""An answer or a whole conversation as a Word document (DOCX) with real footnotes.

Every citation marker `[symbol ¶label]` in an answer becomes a Word footnote holding the paragraph's
citation in UN style ("A/C.1/73/L.27/Rev.1, para. 1.6") and its text, quoted verbatim. A paragraph cited
again later refers to its first footnote (a NOTEREF field, as Word's "cross-reference to a footnote"
makes), so there is one footnote per cited paragraph. python-docx (1.2) has no footnote API: the
footnotes part (word/footnotes.xml) and the two footnote styles are added here by hand.

Document text is data: it is written as text runs (XML-escaped by lxml, characters XML cannot hold
dropped), never read as markup or as fields.

>>> from corpus.records import Citation
>>> un_citation(Citation("A/C.1/73/L.27/Rev.1", "PP8")), un_citation(Citation("A/C.1/73/L.27/Rev.1", "4(a)"))
('A/C.1/73/L.27/Rev.1, preambular para. 8', 'A/C.1/73/L.27/Rev.1, para. 4 (a)')
>>> un_citation(Citation("A/C.1/73/L.27/Rev.1", "fn2")), un_citation(Citation("A/70/174", "header"))
('A/C.1/73/L.27/Rev.1, footnote 2', 'A/70/174, front matter')
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from corpus.records import Citation

if TYPE_CHECKING:
    from assistant.answer import Answer
    from corpus.store import Corpus
    from ui.conversation import Conversation

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FOOTNOTES_PART = "/word/footnotes.xml"
MARKER = re.compile(r"\[[^\[\]\n]*¶[^\[\]\n]*\]")  # "[A/70/174 ¶26]" as answers write citations
# Characters XML 1.0 cannot hold (C0 controls but tab/newline/return, lone surrogates, U+FFFE/F).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
ORDINAL_BULLET = re.compile(r"^(?P<num>.+)-b(?P<k>\d+)$")

NAMED_LABELS = [  # label pattern -> UN-style place in the document
    (re.compile(r"^header$"), lambda m: "front matter"),
    (re.compile(r"^annex$"), lambda m: "annex"),
    (re.compile(r"^PP(\d+)$"), lambda m: f"preambular para. {m.group(1)}"),
    (re.compile(r"^fn(\d+)$"), lambda m: f"footnote {m.group(1)}"),
    (re.compile(r"^summary-(\d+)$"), lambda m: f"summary, para. {m.group(1)}"),
    (re.compile(r"^note-(\d+)$"), lambda m: f"note by the Secretary-General, para. {m.group(1)}"),
    (re.compile(r"^letter-(\d+)$"), lambda m: f"letter of transmittal, para. {m.group(1)}"),
    (re.compile(r"^heading-(\d+)$"), lambda m: f"heading {m.group(1)}"),
    (re.compile(r"^text-(\d+)$"), lambda m: f"text block {m.group(1)}"),
    # An unnumbered paragraph after a gap in an excerpt has no printed place: say so, keep its label.
    (re.compile(r"^gap(\d+)\.(\d+)$"), lambda m: f"unnumbered paragraph (excerpt, label {m.group(0)})"),
    (re.compile(r"^(\d+(?:\.\d+)*)\(([a-z]{1,2})\)$"), lambda m: f"para. {m.group(1)} ({m.group(2)})"),
    (re.compile(r"^(\d+(?:\.\d+)*)$"), lambda m: f"para. {m.group(1)}"),
]


def _place(label: str) -> str:
    if label.startswith("annex-"):
        return "annex, " + _place(label[len("annex-"):])
    if m := ORDINAL_BULLET.match(label):
        return f"{_place(m.group('num'))}, bullet {m.group('k')}"
    for pattern, name in NAMED_LABELS:
        if m := pattern.match(label):
            return name(m)
    return f"paragraph {label}"


def un_citation(citation: Citation) -> str:
    """A citation as UN documents write it: "A/70/174, para. 26", "..., preambular para. 8"."""
    return f"{citation.symbol}, {_place(citation.label)}"


def _clean(text: str) -> str:
    return NOT_XML.sub("", text)


@dataclass(frozen=True)
class Note:
    """A footnote: its Word id (= its number: notes are made in reading order) and what it cites."""

    number: int
    citation: Citation
    text: str


class _Builder:
    """A python-docx Document with a footnotes part; notes are numbered in reading order."""

    def __init__(self, corpus: "Corpus | None"):
        import docx
        from docx.enum.style import WD_STYLE_TYPE
        from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
        from docx.opc.packuri import PackURI
        from docx.opc.part import XmlPart
        from docx.oxml import parse_xml
        from docx.shared import Pt

        self.corpus = corpus
        self.doc = docx.Document()
        self.notes: dict[str, Note] = {}  # by citation key
        text_style = self.doc.styles.add_style("footnote text", WD_STYLE_TYPE.PARAGRAPH)
        text_style.style_id = "FootnoteText"
        text_style.base_style = self.doc.styles["Normal"]
        text_style.font.size = Pt(10)
        text_style.paragraph_format.space_after = Pt(0)
        ref_style = self.doc.styles.add_style("footnote reference", WD_STYLE_TYPE.CHARACTER)
        ref_style.style_id = "FootnoteReference"
        ref_style.font.superscript = True
        # The separator notes (ids -1, 0) draw the line above the footnotes; Word expects them.
        separators = "".join(
            f'<w:footnote w:type="{kind}" w:id="{i}"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
            f'w:lineRule="auto"/></w:pPr><w:r><w:{kind}/></w:r></w:p></w:footnote>'
            for i, kind in ((-1, "separator"), (0, "continuationSeparator")))
        self.footnotes = parse_xml(f'<w:footnotes xmlns:w="{W_NS}">{separators}</w:footnotes>')
        part = XmlPart(PackURI(FOOTNOTES_PART), CONTENT_TYPE.WML_FOOTNOTES, self.footnotes, self.doc.part.package)
        self.doc.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)

    def _w(self, tag: str, **attrs: str):
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        element = OxmlElement(f"w:{tag}")
        for key, value in attrs.items():
            element.set(qn(f"w:{key}"), value)
        return element

    def _ref_run(self, child):
        run = self._w("r")
        props = self._w("rPr")
        props.append(self._w("rStyle", val="FootnoteReference"))
        run.append(props)
        run.append(child)
        return run

    def _add_note(self, citation: Citation, quoted: str) -> Note:
        note = Note(len(self.notes) + 1, citation, quoted)
        footnote = self._w("footnote", id=str(note.number))
        p = self._w("p")
        props = self._w("pPr")
        props.append(self._w("pStyle", val="FootnoteText"))
        p.append(props)
        p.append(self._ref_run(self._w("footnoteRef")))
        for text in (f" {un_citation(citation)}: ", f"“{quoted}”"):
            run = self._w("r")
            t = self._w("t")
            t.text = _clean(text)
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            run.append(t)
            p.append(run)
        footnote.append(p)
        self.footnotes.append(footnote)
        self.notes[citation.key] = note
        return note

    def cite(self, paragraph, citation: Citation, quoted: str) -> None:
        """Put a footnote reference for `citation` at the end of the python-docx `paragraph`."""
        p = paragraph._p
        note = self.notes.get(citation.key)
        if note is None:
            note = self._add_note(citation, quoted)
            bookmark = f"_RefNote{note.number}"  # "_" names are hidden bookmarks, as Word makes them
            p.append(self._w("bookmarkStart", id=str(note.number), name=bookmark))
            p.append(self._ref_run(self._w("footnoteReference", id=str(note.number))))
            p.append(self._w("bookmarkEnd", id=str(note.number)))
            return
        # Cited before: a cross-reference to the first note, showing its number (\f: note-mark style).
        field = self._w("fldSimple", instr=f" NOTEREF _RefNote{note.number} \\f \\h ")
        number = self._w("t")
        number.text = str(note.number)
        field.append(self._ref_run(number))
        p.append(field)

    def quoted_text(self, citation: Citation, answer: "Answer") -> str | None:
        cited = next((c for c in answer.citations if c.citation.key == citation.key), None)
        if cited is not None:
            return cited.text
        paragraph = self.corpus.cite(citation) if self.corpus else None
        return paragraph.text if paragraph else None

    def answer(self, question: str, answer: "Answer", heading: str | None) -> None:
        if heading:
            self.doc.add_heading(_clean(heading), level=1)
        q = self.doc.add_paragraph()
        q.add_run("Question: ").bold = True
        q.add_run(_clean(" ".join(question.split())))
        for block in [b for b in answer.text.split("\n") if b.strip()]:
            paragraph = self.doc.add_paragraph()
            start = 0
            for m in MARKER.finditer(block):
                try:
                    citation = Citation.parse(m.group(0))
                except ValueError:
                    continue  # not a citation: left in the text as written
                quoted = self.quoted_text(citation, answer)
                if quoted is None:
                    continue
                if block[start: m.start()].strip():
                    paragraph.add_run(_clean(block[start: m.start()].rstrip()))
                self.cite(paragraph, citation, quoted)
                start = m.end()
            if block[start:].strip():
                paragraph.add_run(_clean(block[start:]))
        # A cited paragraph the text carries no marker for still gets its note, after the answer.
        unmarked = [c for c in answer.citations if c.citation.key not in self.notes]
        if unmarked:
            paragraph = self.doc.add_paragraph("Also cited:")
            for cited in unmarked:
                self.cite(paragraph, cited.citation, cited.text)
        unsupported = sum(1 for s in answer.sentences if not s.supported)
        if unsupported:
            self.doc.add_paragraph().add_run(
                f"⚠ {unsupported} sentence(s) not supported by the cited paragraphs (marked above).").italic = True
        if answer.refused:
            self.doc.add_paragraph().add_run("The corpus does not answer this question.").italic = True
        self.doc.add_paragraph().add_run(
            f"Source: {answer.backend}; corpus of A/C.1/73/L.27/Rev.1 and the documents it cites.").italic = True

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def answer_docx(question: str, answer: "Answer", corpus: "Corpus | None" = None) -> bytes:
    """One answer as a DOCX: the question, the answer with a footnote per cited paragraph."""
    builder = _Builder(corpus)
    builder.doc.add_heading("Answer about A/C.1/73/L.27/Rev.1", level=0)
    builder.answer(question, answer, heading=None)
    return builder.bytes()


def conversation_docx(conversation: "Conversation", corpus: "Corpus", settings: dict | None = None) -> bytes:
    """A conversation as a DOCX: its metadata, then each turn; the footnotes run through the document."""
    builder = _Builder(corpus)
    doc = builder.doc
    doc.add_heading("Conversation about A/C.1/73/L.27/Rev.1", level=0)
    facts = [("Started", conversation.started),
             ("Exported", datetime.now(timezone.utc).isoformat(timespec="seconds")),
             ("Corpus version", corpus.version), *((str(k), str(v)) for k, v in (settings or {}).items())]
    for key, value in facts:
        doc.add_paragraph(_clean(f"{key}: {value}"), style="List Bullet")
    for n, turn in enumerate(conversation.turns, start=1):
        heading = f"{n}. {' '.join(turn.question.split())}"
        if turn.answer is not None:
            builder.answer(turn.question, turn.answer, heading)
        else:
            doc.add_heading(_clean(heading), level=1)
            if turn.error:
                doc.add_paragraph().add_run(_clean(f"Error: {turn.error}")).italic = True
        if turn.rating:
            doc.add_paragraph().add_run(f"Rated: {'helpful' if turn.rating == 'up' else 'not helpful'}").italic = True
    return builder.bytes()


def write_docx(data: bytes, stem: str) -> Path:
    """A fresh temp file for Gradio to serve, named as the other exports are (ui.conversation.write_export)."""
    from ui.conversation import write_export

    path = write_export("", stem, ".docx")
    path.write_bytes(data)
    return path
