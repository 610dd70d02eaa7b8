"""The registry: every document the resolution refers to, whether or not its text is here.

Built from the parsed text alone: the symbol and date as the resolution gives them, what the
resolution says the document is about, which paragraphs cite it (directly or through a footnote),
and whether the corpus holds its full text, part of it, or nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from corpus.records import RESOLUTION, Citation, RegistryEntry
from corpus.refs import find_references, to_iso

if TYPE_CHECKING:
    from corpus.store import Corpus


def build_registry(corpus: "Corpus", symbol: str = RESOLUTION) -> list[RegistryEntry]:
    citing = corpus.document(symbol)
    if citing is None:
        return []
    footnote_refs = {p.label: p.refs for p in citing.paragraphs if p.kind == "footnote"}
    entries: dict[str, dict] = {}
    for paragraph in citing.paragraphs:
        direct = {r.symbol: r for r in find_references(paragraph.text)}
        via_notes = [s for fn in paragraph.footnotes for s in footnote_refs.get(fn, ())]
        for ref_symbol in list(direct) + via_notes:
            if ref_symbol == citing.symbol:
                continue
            entry = entries.setdefault(ref_symbol, {"date": None, "about": None, "cited_by": []})
            ref = direct.get(ref_symbol)
            if ref:
                entry["date"] = entry["date"] or to_iso(ref.date)
                entry["about"] = entry["about"] or ref.about
            if paragraph.citation not in entry["cited_by"]:
                entry["cited_by"].append(paragraph.citation)

    registry = []
    for ref_symbol, entry in entries.items():
        doc = corpus.document(ref_symbol)
        about = entry["about"] or _context(citing, entry["cited_by"])
        related = [d for d in corpus.documents.values() if d.symbol != ref_symbol and ref_symbol in d.info.missing]
        note = "; ".join(
            f"the corpus holds {d.symbol} ({d.info.title}), not this text: {d.info.missing}" for d in related)
        registry.append(RegistryEntry(
            symbol=ref_symbol, date=entry["date"] or (doc.info.date if doc else None), about=about,
            cited_by=tuple(entry["cited_by"]),
            availability=(doc.info.completeness if doc else "absent"),
            title=doc.info.title if doc else None, note=note,
        ))
    return registry


def _context(citing, cited_by: list[Citation]) -> str:
    """What the first citing body paragraph says, for a document named only in a footnote."""
    for citation in cited_by:
        paragraph = citing.get(citation.label)
        if paragraph and paragraph.kind != "footnote":
            words = paragraph.text.split()
            return " ".join(words[:28]) + (" ..." if len(words) > 28 else "")
    return ""


def find_entry(corpus: "Corpus", symbol: str) -> RegistryEntry | None:
    return next((e for e in corpus.registry() if e.symbol.lower() == symbol.lower()), None)
