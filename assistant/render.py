"""Plain-text and JSON views of paragraphs, documents and answers, for the CLI (the UI has ui/html.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.prompts import RELATED
from corpus.records import Document, Paragraph, RegistryEntry
from corpus.weight import weight

if TYPE_CHECKING:
    from assistant.answer import Answer
    from corpus.lookup import LookupResult
    from corpus.store import Corpus


def paragraph_text(paragraph: Paragraph, corpus: "Corpus") -> str:
    doc = corpus.document(paragraph.symbol)
    facts = [paragraph.kind_name, weight(paragraph, corpus)]
    if paragraph.page:
        facts.append(f"page {paragraph.page}")
    lines = [f"{paragraph.citation}  {' · '.join(dict.fromkeys(facts))}"]
    if doc and doc.info.title:
        lines.append(f"{doc.symbol}: {doc.info.title}" + (" (partial excerpt)" if doc.info.completeness == "partial" else ""))
    lines += ["", paragraph.text]
    if paragraph.footnotes:
        for label in paragraph.footnotes:
            note = corpus.get(paragraph.symbol, label)
            lines.append(f"  footnote {label[2:]}: {note.text if note else '?'}")
    if paragraph.refs:
        lines.append(f"Refers to: {', '.join(paragraph.refs)}")
    return "\n".join(lines)


def registry_text(entry: RegistryEntry | None, document: Document | None) -> str:
    symbol = entry.symbol if entry else document.symbol
    title = (document.info.title if document else None) or (entry.title if entry else None)
    date = (entry.date if entry else None) or (document.info.date if document else None)
    lines = [f"{symbol}" + (f" — {title}" if title else "") + (f" ({date})" if date else "")]
    if entry and entry.about:
        lines.append(f"The resolution refers to it as: {entry.about}")
    if entry:
        lines.append("Cited in: " + ", ".join(str(c) for c in entry.cited_by))
    if document:
        lines.append(f"Text in the corpus: {document.info.completeness}")
        if document.info.present:
            lines.append(f"  present: {document.info.present}")
        if document.info.missing:
            lines.append(f"  missing: {document.info.missing}")
        lines.append("Paragraphs: " + ", ".join(p.label for p in document.paragraphs))
    else:
        lines.append("Text in the corpus: absent. Add it with: assistant ingest FILE --symbol " + symbol)
    if entry and entry.note:
        lines.append(f"Note: {entry.note}")
    return "\n".join(lines)


def lookup_text(result: "LookupResult", corpus: "Corpus") -> str:
    if result.paragraph:
        return paragraph_text(result.paragraph, corpus)
    return registry_text(result.entry, result.document)


def documents_text(corpus: "Corpus") -> str:
    lines = ["Documents in the corpus:"]
    for doc in corpus.documents.values():
        lines.append(f"  {doc.symbol:<22} {doc.info.completeness:<8} {len(doc.paragraphs):>3} paragraphs  {doc.info.title[:70]}")
    lines += ["", f"Documents cited by {corpus.resolution.symbol} (registry):"]
    for entry in corpus.registry():
        cited = ", ".join(c.label for c in entry.cited_by)
        lines.append(f"  {entry.symbol:<18} {entry.date or '':<10}  {entry.availability:<7}  cited in ¶{cited}")
    return "\n".join(lines)


def answer_text(answer: "Answer", with_answer: bool = True) -> str:
    """The answer (optionally) followed by its sources, each with the sentence it supports."""
    lines = [answer.text, *answer.notes, ""] if with_answer else []
    unsupported = [s.text for s in answer.sentences if not s.supported]
    if unsupported:
        lines.append("Not supported by the cited paragraphs (marked ⚠ above): " + str(len(unsupported)))
    if answer.citations:
        lines.append("Sources:")
        for cited in answer.citations:
            lines.append(f"  {cited.citation} ({cited.kind_name}{f', page {cited.page}' if cited.page else ''})")
            lines.append(f"    {cited.text}")
    elif answer.related:
        lines.append(f"{RELATED}:")
        for s in answer.related:
            lines.append(f"  {' '.join(str(c) for c in s.citations)}  {s.text}")
    elif answer.retrieved and answer.refused:
        lines.append("Closest paragraphs:")
        for r in answer.retrieved[:3]:
            lines.append(f"  {r.citation}  {r.text[:120]}")
    lines.append(f"[{answer.backend} · {answer.timings.get('total', 0):.1f} s]")
    return "\n".join(lines)


def answer_json(answer: "Answer") -> dict:
    """The `--json` object: answer, citations, refused, retrieved, backend, timings."""
    return {
        "answer": answer.text,
        "question": answer.question,
        "standalone_question": answer.standalone_question,
        "language": answer.language,
        "kind": answer.kind.value,
        "rule": answer.rule,
        "citations": [
            {"doc": c.citation.symbol, "label": c.citation.label, "citation": str(c.citation), "text": c.text,
             "page": c.page, "kind": c.kind, "sentence": c.sentence, "same_wording": [str(s) for s in c.same_wording]}
            for c in answer.citations
        ],
        "sentences": [{"text": s.text, "citations": [str(c) for c in s.citations], "supported": s.supported,
                       "score": round(s.score, 3)} for s in answer.sentences],
        "refused": answer.refused,
        "refusal_reason": answer.refusal.value if answer.refusal else None,
        "related": [{"text": s.text, "citations": [str(c) for c in s.citations]} for s in answer.related],
        "notes": answer.notes,
        "draft": answer.draft,
        "refusal_probability": None if answer.refusal_probability is None else round(answer.refusal_probability, 3),
        "retrieved": [{"doc": r.citation.symbol, "label": r.citation.label, "score": round(r.score, 5), "in_prompt": r.in_prompt}
                      for r in answer.retrieved],
        "backend": answer.backend,
        "timings": {k: round(v, 3) for k, v in answer.timings.items()},
        "tokens": answer.tokens,
    }
