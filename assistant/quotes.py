"""Answers made of the documents' own words, with no model: a paragraph the user asked to see, what
the corpus knows of a cited document, the extractive answer, the related text shown beside a refusal.

>>> from corpus.store import load_corpus
>>> corpus = load_corpus()
>>> quote(corpus.get("A/C.1/73/L.27/Rev.1", "6"), corpus).text[:45]
'Operative paragraph 6 ("Also decides"): “Also'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant import prompts
from assistant.answer import Answer, AnswerKind, CitedParagraph, RefusalReason, Retrieved, SentenceSupport
from assistant.stages import Found
from corpus.lookup import UnknownReference, resolve
from corpus.refs import find_references
from corpus.records import Document, Paragraph
from corpus.weight import describe

if TYPE_CHECKING:
    from corpus.agreed import AgreedIndex
    from corpus.store import Corpus

NEARLY_AS_CLOSE = 0.05  # the extractive answer also quotes a paragraph this close in cosine to the best


def quote(paragraph: Paragraph, corpus: "Corpus", score: float = 1.0) -> SentenceSupport:
    """The paragraph verbatim, named: 'Operative paragraph 6 ("Also decides"): “...”'."""
    name = describe(paragraph, corpus)
    return SentenceSupport(f"{name[:1].upper()}{name[1:]}: “{paragraph.text}”", (paragraph.citation,), True, score)


def extractive(found: Sequence[Found], corpus: "Corpus") -> list[SentenceSupport]:
    """No LLM: quote the best paragraph (and the next if it is nearly as close), verbatim."""
    top = found[:3]  # in fused order: hybrid ranks better than cosine alone
    if not top:
        return []
    best = max(f.cosine for f in top)
    return [quote(f.paragraph, corpus, f.cosine) for f in top if f.cosine >= best - NEARLY_AS_CLOSE][:2]


def cited(sentences: Sequence[SentenceSupport], corpus: "Corpus", agreed: "AgreedIndex | None" = None) -> list[CitedParagraph]:
    """The paragraphs the sentences cite, once each, with the first sentence each supports and (given
    the agreed-language index) the other paragraphs that hold the same wording."""
    out: dict = {}
    for sentence in sentences:
        for citation in sentence.citations:
            p = corpus.cite(citation)
            if p and citation not in out:
                same = agreed.same_wording(p) if agreed and p.kind != "header" else ()
                out[citation] = CitedParagraph(citation, p.text, p.kind, p.kind_name, p.page, sentence.text, same)
    return list(out.values())


def spoken(items: Sequence[str]) -> str:
    """A list as a sentence says it: `spoken(["¶1", "¶4", "¶5"]) == "¶1, ¶4 and ¶5"`."""
    return " and ".join([", ".join(items[:-1]), items[-1]] if len(items) > 1 else items)


def same_wording_notes(citations: Sequence[CitedParagraph]) -> list[str]:
    """Where else a cited paragraph's wording stands: "A/RES/73/27 ¶gap1.1 keeps the wording of ..."."""
    return [f"{p.citation}: the same wording stands in {', '.join(str(c) for c in p.same_wording)}."
            for p in citations if p.same_wording]


def partial_notes(symbols: Sequence[str], corpus: "Corpus") -> list[str]:
    """For each named document the corpus holds only in part: what is missing and how to add it."""
    notes = []
    for symbol in symbols:
        doc = corpus.document(symbol)
        notes.append(f"Note: the corpus holds only part of {symbol} (missing: {doc.info.missing}); "
                     f"add its full text with: assistant ingest FILE --symbol {symbol} --replace")
    return notes


def lookup_answer(question: str, standalone: str, reference: str, corpus: "Corpus", rule: str = "",
                  agreed: "AgreedIndex | None" = None) -> Answer:
    """The paragraph the reference names, verbatim; a document reference gets its registry answer."""
    try:
        result = resolve(reference, corpus)
    except UnknownReference as error:
        return Answer(question, standalone, f"I could not find that: {error}", AnswerKind.LOOKUP, "lookup",
                      refusal=RefusalReason.UNKNOWN_REFERENCE, rule=rule)
    if result.paragraph is None:
        return registry_answer(question, standalone, [result.reference.symbol], corpus, result.document)
    p = result.paragraph
    sentence = SentenceSupport(p.text, (p.citation,), True, 1.0)
    citations = cited([sentence], corpus, agreed)
    return Answer(question, standalone, f"{p.citation} ({describe(p, corpus)}): “{p.text}”", AnswerKind.LOOKUP,
                  "lookup", sentences=[sentence], citations=citations, retrieved=[Retrieved(p.citation, 1.0, p.text)],
                  rule=rule, notes=same_wording_notes(citations))


def registry_answer(question: str, standalone: str, symbols: Sequence[str], corpus: "Corpus",
                    document: Document | None = None) -> Answer:
    """What the corpus knows of cited documents: symbol, kind, title and date from the document's own
    front matter, where the resolution cites it; refused when its own text is absent."""
    from corpus.registry import find_entry

    parts, sentences, notes, absent = [], [], [], False
    for symbol in symbols:
        entry = find_entry(corpus, symbol)
        doc = document or corpus.document(symbol)
        # Each sentence cites only text that states it: the date comes from the registry, so it goes with
        # a cited sentence only where the cited text gives it too.
        dated = ""
        if doc is not None:
            info, header = doc.info, doc.get("header")
            dated = f" of {info.date}" if info.date and header and info.date in header.text else ""
            claim = f"{info.symbol} is the {info.doc_type} “{info.title}”{dated}."
            if header:
                sentences.append(SentenceSupport(claim, (header.citation,), True, 1.0))
            parts.append(f"{claim} {header.citation}" if header else claim)
        if entry:
            citing = [p for c in entry.cited_by if (p := corpus.cite(c))]
            body = [p for p in citing if p.kind != "footnote"] or citing
            naming = [p for p in citing if entry.symbol in {r.symbol for r in find_references(p.text)}] or body
            about = (f", which it describes as on {entry.about}"
                     if entry.about and not entry.about.startswith(("Recalling", "Welcoming", "States")) else "")
            # The claim lists only paragraphs whose text names the document, and cites each of them: a
            # footnote's mark is not in the text of the paragraph that carries it, so that is a note.
            listed = naming[:3]
            claim = f"{entry.symbol} is cited in {spoken([p.kind_name if p.kind == 'footnote' else '¶' + p.label for p in listed])}{about}."
            sentences.append(SentenceSupport(claim, tuple(p.citation for p in listed), True, 1.0))
            parts.append(f"{claim} {' '.join(str(p.citation) for p in listed)}")
            for p in listed:
                if p.kind == "footnote" and (marked := ["¶" + q.label for q in body if p.label in q.footnotes]):
                    notes.append(f"{p.kind_name[:1].upper()}{p.kind_name[1:]} is marked in {spoken(marked)}.")
        if ((entry and entry.date) or (doc and doc.info.date)) and not dated:  # said, but cited to no paragraph
            parts.append(f"The corpus's registry dates it {(entry and entry.date) or doc.info.date}.")
        if doc is None:  # what the resolution says of it is shown, but its own text cannot be: refused
            absent = True
            parts.append(prompts.ABSENT_TEXT.format(symbol=symbol) + (f" Note: {entry.note}." if entry and entry.note else ""))
        else:
            parts.append(prompts.PARTIAL_TEXT.format(present=doc.info.present, missing=doc.info.missing)
                         if doc.info.completeness == "partial" else f"Its full text is in the corpus ({len(doc.paragraphs)} paragraphs).")
    return Answer(question, standalone, " ".join(parts), AnswerKind.REGISTRY, "registry", sentences=sentences,
                  citations=cited(sentences, corpus), refusal=RefusalReason.ABSENT_TEXT if absent else None, notes=notes)
