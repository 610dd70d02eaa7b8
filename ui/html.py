"""HTML views for the Gradio UI: the conversation, the reader panel, the document browser, the registry.

Every string that comes from a document, the model, the user or an exception goes through `esc()`
(html.escape, quotes included) before it reaches markup, attribute values included. The markup is our
own: chips are <button> elements carrying the reference in `data-ref`; ui/assets.py holds the small
click handler that turns a click into a Gradio event. Nothing here produces <script>, inline event
handlers or URLs, so escaped text stays text.

>>> esc('<img src=x onerror=alert(1)>')
'&lt;img src=x onerror=alert(1)&gt;'
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from assistant.prompts import RELATED
from corpus.records import RESOLUTION, Citation, Document, Paragraph, RegistryEntry
from corpus.weight import weight

if TYPE_CHECKING:
    from assistant.answer import Answer
    from corpus.agreed import AgreedIndex, Match, StatementCheck, WordChange
    from corpus.store import Corpus
    from ui.conversation import Conversation

# A bracketed citation as the chain writes it: [A/C.1/73/L.27/Rev.1 ¶1.6]
MARKER = re.compile(r"\[\s*([A-Z][A-Za-z0-9./()]*?)\s*¶\s*([A-Za-z0-9.()\-]+?)\s*\]")
UNSUPPORTED_TAIL = "[not supported by the cited documents]"
UNSUPPORTED = re.compile(r"⚠\s*(.+?)\s*" + re.escape(UNSUPPORTED_TAIL))
KIND_WORDS = {"preambular": "preambular", "operative": "operative", "footnote": "footnote",
              "header": "front matter", "other": "paragraph"}
_SVG = ('<svg class="ua-icon" viewBox="0 0 24 24" width="13" height="13" fill="none" stroke="currentColor" '
        'stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="{}"/></svg>')
THUMB_UP = _SVG.format("M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3")
THUMB_DOWN = _SVG.format("M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3zm7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17")
AVAILABILITY_WORDS = {"full": "full text", "partial": "partial text", "absent": "text absent"}


def esc(text: object) -> str:
    """Text made inert for HTML content and attribute values."""
    return html.escape("" if text is None else str(text), quote=True)


def short(text: str, words: int = 18) -> str:
    parts = " ".join(text.split()).split(" ")
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


# --- chips -----------------------------------------------------------------------------------------

def chip(citation: Citation, text: str | None = None, extra: str = "") -> str:
    """A clickable citation: opens the paragraph in the reader."""
    key = citation.key
    return (f'<button type="button" class="ua-chip{(" " + extra) if extra else ""}" data-ref="{esc(key)}" '
            f'title="Open {esc(key)} in the reader">{esc(text or key)}</button>')


def doc_chip(symbol: str, availability: str | None = None, text: str | None = None) -> str:
    """A clickable document symbol: opens its registry entry / document summary in the reader."""
    badge = (f' <span class="ua-avail ua-avail-{esc(availability)}">{esc(AVAILABILITY_WORDS.get(availability, availability))}</span>'
             if availability else "")
    return (f'<button type="button" class="ua-doc-chip" data-ref="{esc(symbol)}" title="Open {esc(symbol)} in the reader">'
            f'{esc(text or symbol)}{badge}</button>')


def availability_badge(availability: str) -> str:
    return f'<span class="ua-avail ua-avail-{esc(availability)}">{esc(AVAILABILITY_WORDS.get(availability, availability))}</span>'


def kind_badge(paragraph: Paragraph) -> str:
    return f'<span class="ua-kind ua-kind-{esc(paragraph.kind)}">{esc(KIND_WORDS.get(paragraph.kind, paragraph.kind))}</span>'


def text_with_chips(text: str) -> str:
    """Escaped text in which every bracketed citation became a chip and every ⚠ sentence is marked."""
    out, pos = [], 0
    for match in UNSUPPORTED.finditer(text):
        out.append(_markers_to_chips(text[pos:match.start()]))
        out.append(unsupported_span(match.group(1)))
        pos = match.end()
    out.append(_markers_to_chips(text[pos:]))
    return "".join(out)


def _markers_to_chips(text: str) -> str:
    out, pos = [], 0
    for match in MARKER.finditer(text):
        out.append(esc(text[pos:match.start()]))
        out.append(chip(Citation(match.group(1), match.group(2))))
        pos = match.end()
    out.append(esc(text[pos:]))
    return "".join(out)


def unsupported_span(sentence: str) -> str:
    return ('<span class="ua-sentence ua-unsupported" title="The citation checker found no paragraph that supports '
            'this sentence">'
            f'<span class="ua-warn" aria-hidden="true">⚠</span> {esc(sentence)} '
            '<span class="ua-unsupported-tag">not supported by the cited paragraphs</span></span>')


# --- answers and the conversation ------------------------------------------------------------------

def answer_body(answer: "Answer") -> str:
    """The verified answer: per sentence, its text and citation chips; unsupported sentences marked."""
    from assistant.citations import render_answer

    if answer.kind == "answer" and answer.sentences:
        prefix = render_answer(answer.sentences)
        if answer.text.startswith(prefix):
            parts = []
            for s in answer.sentences:
                if s.supported:
                    chips = " ".join(chip(c) for c in s.citations)
                    parts.append(f'<span class="ua-sentence ua-supported">{esc(s.text.rstrip())}</span> {chips}')
                else:
                    parts.append(unsupported_span(s.text.rstrip()))
            tail = " ".join([answer.text[len(prefix):].strip(), *answer.notes]).strip()
            return " ".join(parts) + (f'<span class="ua-note">{text_with_chips(tail)}</span>' if tail else "")
    return text_with_chips(" ".join([answer.text, *answer.notes]))


def sources_list(answer: "Answer", corpus: "Corpus") -> str:
    if answer.citations:
        items = []
        for cited in answer.citations:
            facts = [cited.kind_name] + ([f"page {cited.page}"] if cited.page else [])
            items.append(f'<li>{chip(cited.citation)} <span class="ua-muted">{esc(", ".join(facts))}</span>'
                         f'<div class="ua-source-quote">“{esc(short(cited.text, 40))}”</div></li>')
        return f'<div class="ua-sources"><div class="ua-sources-title">Sources</div><ol>{"".join(items)}</ol></div>'
    if answer.related:
        items = "".join(f'<li>{" ".join(chip(c) for c in s.citations)} <div class="ua-source-quote">{esc(short(s.text, 60))}</div></li>'
                        for s in answer.related)
        return (f'<div class="ua-sources ua-related"><div class="ua-sources-title">{esc(RELATED)}</div>'
                f'<ol>{items}</ol></div>')
    if answer.refused and answer.retrieved:
        items = "".join(f'<li>{chip(r.citation)} <span class="ua-muted">{esc(short(r.text, 16))}</span></li>'
                        for r in answer.retrieved[:3])
        return (f'<div class="ua-sources"><div class="ua-sources-title">Closest paragraphs (not an answer)</div>'
                f'<ol>{items}</ol></div>')
    return ""


def meta_line(answer: "Answer") -> str:
    total = answer.timings.get("total")
    parts = [answer.backend] + ([f"{total:.1f} s"] if total is not None else [])
    unsupported = sum(1 for s in answer.sentences if not s.supported)
    if unsupported:
        parts.append(f"{unsupported} sentence{'s' if unsupported > 1 else ''} not supported")
    return f'<div class="ua-meta">{esc(" · ".join(parts))}</div>'


def turn_html(number: int, question: str, answer: "Answer | None", corpus: "Corpus", markdown: str = "",
              streaming: str | None = None, error: str | None = None, waiting: str | None = None,
              rating: str | None = None) -> str:
    q = (f'<div class="ua-q"><span class="ua-who">Question {number}</span>'
         f'<div class="ua-q-text">{esc(question)}</div></div>')
    if error:
        a = (f'<div class="ua-a ua-error" role="alert"><span class="ua-who">Error</span>'
             f'<div class="ua-a-text">{esc(error)}</div></div>')
    elif answer is None:
        body = (f'<div class="ua-a-text ua-draft">{text_with_chips(streaming)}</div>'
                f'<div class="ua-meta ua-pulse">Checking every sentence against its paragraphs …</div>'
                if streaming else f'<div class="ua-meta ua-pulse">{esc(waiting or "Waiting for the assistant …")}</div>')
        a = f'<div class="ua-a ua-pending"><span class="ua-who">Answer</span>{body}</div>'
    else:
        route = "refusal" if answer.refused else answer.kind
        label = {"refusal": "Not answered from the documents", "lookup": "Paragraph",
                 "registry": "Cited document"}.get(route, "Answer")
        up = " ua-on" if rating == "up" else ""
        down = " ua-on" if rating == "down" else ""
        actions = (
            '<div class="ua-actions">'
            f'<button type="button" class="ua-act{up}" data-action="rate" data-rating="up" data-turn="{number}" '
            f'title="This answer is correct and well cited" aria-label="Rate answer {number} helpful">{THUMB_UP} Helpful</button>'
            f'<button type="button" class="ua-act{down}" data-action="rate" data-rating="down" data-turn="{number}" '
            f'title="This answer is wrong or badly cited" aria-label="Rate answer {number} not helpful">{THUMB_DOWN} Not helpful</button>'
            f'<button type="button" class="ua-act ua-copy" data-action="copy" data-turn="{number}" '
            'title="Copy the answer with its citations written out, as Markdown">Copy as Markdown</button>'
            f'<textarea class="ua-md-source" hidden readonly>{esc(markdown)}</textarea>'
            '</div>')
        a = (f'<div class="ua-a ua-route-{esc(route)}"><span class="ua-who">{esc(label)}</span>'
             f'<div class="ua-a-text">{answer_body(answer)}</div>{sources_list(answer, corpus)}'
             f'<div class="ua-foot">{meta_line(answer)}{actions}</div></div>')
    return f'<section class="ua-turn" data-turn="{number}">{q}{a}</section>'


def conversation_html(conversation: "Conversation | None", corpus: "Corpus", pending: str | None = None,
                      streaming: str | None = None, waiting: str | None = None) -> str:
    turns = list(conversation.turns) if conversation else []
    if not turns and pending is None:
        return EMPTY_CONVERSATION
    from ui.conversation import answer_markdown

    parts = []
    for n, turn in enumerate(turns, start=1):
        md = answer_markdown(turn.question, turn.answer, corpus) if turn.answer else ""
        parts.append(turn_html(n, turn.question, turn.answer, corpus, md, error=turn.error, rating=turn.rating))
    if pending is not None:
        parts.append(turn_html(len(turns) + 1, pending, None, corpus, streaming=streaming, waiting=waiting))
    return f'<div class="ua-conv">{"".join(parts)}</div>'


EMPTY_CONVERSATION = (
    '<div class="ua-conv ua-empty"><p class="ua-empty-title">Ask a question about the resolution or the documents it cites.</p>'
    '<p>Every sentence of an answer cites the paragraph it comes from, e.g. '
    '<button type="button" class="ua-chip" data-ref="A/C.1/73/L.27/Rev.1 ¶1.6" title="Open A/C.1/73/L.27/Rev.1 ¶1.6 in the reader">'
    'A/C.1/73/L.27/Rev.1 ¶1.6</button>. Click a citation to read the paragraph verbatim in the reader. '
    'Sentences the citation checker could not support are marked '
    '<span class="ua-sentence ua-unsupported"><span class="ua-warn">⚠</span> like this</span>.</p></div>')


# --- the reader panel ---------------------------------------------------------------------------

READER_EMPTY = ('<div class="ua-reader ua-reader-empty"><p class="ua-reader-hint">Click a citation, a paragraph label or a '
                'document symbol to read it here, or type a reference above.</p></div>')


def reader_error(message: str, typed: str = "") -> str:
    return ('<div class="ua-reader ua-reader-error" role="alert">'
            + (f'<div class="ua-reader-typed">Looked up: <code>{esc(typed[:200] + (" …" if len(typed) > 200 else ""))}'
               '</code></div>' if typed else "")
            + f'<p class="ua-error-text">{esc(message)}</p>'
            '<p class="ua-muted">Forms that work: 1.6 · para 4 (c) · PP3 · third preambular paragraph · footnote 2 · '
            'A/70/174 ¶26 · resolution 58/199</p></div>')


def _neighbours(paragraph: Paragraph, corpus: "Corpus") -> tuple[Paragraph | None, Paragraph | None]:
    doc = corpus.document(paragraph.symbol)
    if doc is None:
        return None, None
    ordered = sorted(doc.paragraphs, key=lambda p: p.position)
    index = next((i for i, p in enumerate(ordered) if p.label == paragraph.label), None)
    if index is None:
        return None, None
    return (ordered[index - 1] if index > 0 else None), (ordered[index + 1] if index + 1 < len(ordered) else None)


def _refs_of(paragraph: Paragraph, corpus: "Corpus") -> list[tuple[str, str | None]]:
    """(symbol, via) for the documents a paragraph refers to, directly or through its footnotes."""
    refs: list[tuple[str, str | None]] = [(s, None) for s in paragraph.refs]
    for label in paragraph.footnotes:
        note = corpus.get(paragraph.symbol, label)
        for s in note.refs if note else ():
            if s not in [r for r, _ in refs]:
                refs.append((s, f"footnote {label[2:]}"))
    return refs


def _availability(symbol: str, corpus: "Corpus") -> str:
    doc = corpus.document(symbol)
    if doc:
        return doc.info.completeness
    entry = next((e for e in corpus.registry() if e.symbol.lower() == symbol.lower()), None)
    return entry.availability if entry else "absent"


def paragraph_panel(paragraph: Paragraph, corpus: "Corpus", agreed: "AgreedIndex | None" = None) -> str:
    """The reader for one paragraph: verbatim text, document, label, kind, weight, page, refs, neighbours,
    and with `agreed`, where else the corpus has the same or near wording."""
    doc = corpus.document(paragraph.symbol)
    title = doc.info.title if doc else ""
    facts = [("Kind", paragraph.kind_name), ("Weight", weight(paragraph, corpus))]
    if paragraph.page:
        facts.append(("Page", str(paragraph.page)))
    if paragraph.section:
        facts.append(("Section", paragraph.section))
    if doc and doc.info.completeness != "full":
        facts.append(("Corpus text", f"{doc.info.completeness} excerpt of this document"))
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts)

    parts = [
        f'<article class="ua-reader ua-reader-paragraph" data-citation="{esc(paragraph.citation.key)}">',
        f'<div class="ua-reader-doc">{doc_chip(paragraph.symbol)}<span class="ua-doc-title">{esc(title)}</span></div>',
        f'<h3 class="ua-reader-label">¶{esc(paragraph.label)} {kind_badge(paragraph)}</h3>',
        f'<dl class="ua-facts">{dl}</dl>',
        f'<blockquote class="ua-verbatim">{esc(paragraph.text)}</blockquote>',
        f'<div class="ua-cite-as">Cite as <code>{esc(str(paragraph.citation))}</code></div>',
    ]
    notes = [corpus.get(paragraph.symbol, label) for label in paragraph.footnotes]
    notes = [n for n in notes if n]
    if notes:
        parts.append('<h4>Footnotes</h4><ul class="ua-list">' + "".join(
            f'<li>{chip(n.citation, "footnote " + n.label[2:])} <span class="ua-fn-text">{esc(n.text)}</span></li>'
            for n in notes) + "</ul>")
    refs = _refs_of(paragraph, corpus)
    if refs:
        items = []
        for symbol, via in refs:
            entry = next((e for e in corpus.registry() if e.symbol == symbol), None)
            extra = [via and f"via {via}", entry and entry.date]
            items.append(f'<li>{doc_chip(symbol, _availability(symbol, corpus))}'
                         f'<span class="ua-muted">{esc(" · ".join(x for x in extra if x))}</span></li>')
        parts.append(f'<h4>Documents it refers to ({len(refs)})</h4><ul class="ua-list ua-refs">{"".join(items)}</ul>')
    if paragraph.symbol != RESOLUTION:
        entry = next((e for e in corpus.registry() if e.symbol == paragraph.symbol), None)
        if entry:
            parts.append('<h4>Cited by the resolution in</h4><div class="ua-chips">'
                         + " ".join(chip(c, "¶" + c.label) for c in entry.cited_by) + "</div>")
    if agreed is not None:
        parts.append(where_else_html(paragraph, agreed))
    prev, nxt = _neighbours(paragraph, corpus)
    nav = []
    for tag, p in (("Previous", prev), ("Next", nxt)):
        if p is None:
            nav.append(f'<div class="ua-nb ua-nb-none"><span class="ua-muted">{tag}: none</span></div>')
        else:
            nav.append(f'<div class="ua-nb"><span class="ua-nb-dir">{tag}</span> {chip(p.citation, "¶" + p.label)}'
                       f'<div class="ua-nb-text">{esc(short(p.text, 24))}</div></div>')
    parts.append(f'<nav class="ua-neighbours" aria-label="Neighbouring paragraphs">{"".join(nav)}</nav>')
    parts.append("</article>")
    return "".join(parts)


def document_panel(symbol: str, corpus: "Corpus", entry: RegistryEntry | None = None,
                   document: Document | None = None) -> str:
    """The reader for a whole document: what the registry knows of it and what text the corpus holds."""
    document = document or corpus.document(symbol)
    entry = entry or next((e for e in corpus.registry() if e.symbol.lower() == symbol.lower()), None)
    symbol = document.symbol if document else entry.symbol if entry else symbol
    title = (document.info.title if document else None) or (entry.title if entry else None) or ""
    date = (entry.date if entry else None) or (document.info.date if document else None)
    availability = document.info.completeness if document else (entry.availability if entry else "absent")
    facts = [("Date", date)] if date else []
    if document:
        facts.append(("Type", document.info.doc_type))
        if document.info.present:
            facts.append(("Present", document.info.present))
        if document.info.missing:
            facts.append(("Missing", document.info.missing))
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts)
    parts = [f'<article class="ua-reader ua-reader-document" data-symbol="{esc(symbol)}">',
             f'<div class="ua-reader-doc"><span class="ua-symbol">{esc(symbol)}</span> {availability_badge(availability)}</div>',
             f'<h3 class="ua-reader-title">{esc(title) if title else "<span class=ua-muted>(title not in the corpus)</span>"}</h3>',
             f'<dl class="ua-facts">{dl}</dl>' if dl else ""]
    if entry and entry.about:
        parts.append(f'<h4>The resolution refers to it as</h4><blockquote class="ua-about">{esc(entry.about)}</blockquote>')
    if entry and entry.cited_by:
        parts.append('<h4>Cited in</h4><div class="ua-chips">' + " ".join(chip(c, "¶" + c.label) for c in entry.cited_by) + "</div>")
    if entry and entry.note:
        parts.append(f'<p class="ua-note">Note: {esc(entry.note)}</p>')
    if document:
        parts.append(f'<h4>Paragraphs in the corpus ({len(document.paragraphs)})</h4><div class="ua-chips">'
                     + " ".join(chip(p.citation, p.label) for p in document.paragraphs) + "</div>")
    else:
        parts.append('<p class="ua-note">Its text is not in the corpus, so it cannot be quoted. Add it with '
                     f'<code>assistant ingest FILE --symbol {esc(symbol)}</code>.</p>')
    parts.append("</article>")
    return "".join(parts)


def reader_for(reference: str, corpus: "Corpus", agreed: "AgreedIndex | None" = None) -> tuple[str, dict]:
    """The reader HTML for a typed or clicked reference, and a small record of what was found.

    Tries an exact citation ("A/70/174 ¶26") and an exact document symbol first (what chips carry),
    then every form `corpus.lookup.resolve` accepts. Unknown references show its message.
    """
    from corpus.lookup import UnknownReference, resolve

    typed = " ".join((reference or "").split())
    if not typed:
        return READER_EMPTY, {"found": False, "error": "empty reference"}
    paragraph = None
    try:
        paragraph = corpus.cite(Citation.parse(typed))
    except ValueError:
        pass
    if paragraph is None and corpus.document(typed) is not None:
        return document_panel(typed, corpus), {"found": True, "symbol": corpus.document(typed).symbol, "label": None}
    if paragraph is None:
        try:
            result = resolve(typed, corpus)
        except UnknownReference as error:
            return reader_error(str(error), typed), {"found": False, "error": str(error)}
        if result.paragraph is None:
            symbol = result.document.symbol if result.document else result.entry.symbol
            return (document_panel(symbol, corpus, result.entry, result.document),
                    {"found": True, "symbol": symbol, "label": None})
        paragraph = result.paragraph
    return paragraph_panel(paragraph, corpus, agreed), {"found": True, "symbol": paragraph.symbol, "label": paragraph.label,
                                                        "citation": paragraph.citation.key, "text": paragraph.text}


# --- the document browser and the registry ---------------------------------------------------------

def document_choices(corpus: "Corpus") -> list[tuple[str, str]]:
    return [(f"{d.symbol} — {short(d.info.title, 9)}", d.symbol) for d in corpus.documents.values()]


def _para_item(p: Paragraph) -> str:
    depth = " ua-sub" if p.kind == "operative" and ("." in p.label or "(" in p.label) else ""
    return (f'<li class="ua-para{depth}" data-label="{esc(p.label)}">{chip(p.citation, p.label if p.kind != "footnote" else "footnote " + p.label[2:], "ua-label")}'
            f'<div class="ua-para-text">{esc(p.text)}</div></li>')


def _group(title: str, paragraphs: Sequence[Paragraph], open_: bool = True) -> str:
    if not paragraphs:
        return ""
    return (f'<details class="ua-group"{" open" if open_ else ""}><summary>{esc(title)} '
            f'<span class="ua-count">{len(paragraphs)}</span></summary>'
            f'<ol class="ua-paras">{"".join(_para_item(p) for p in paragraphs)}</ol></details>')


def document_html(symbol: str, corpus: "Corpus") -> str:
    """One document, as its structure: front matter / preamble / operative part / footnotes / others."""
    doc = corpus.document(symbol or "")
    if doc is None:
        return '<div class="ua-browser"><p class="ua-muted">Choose a document.</p></div>'
    info = doc.info
    entry = next((e for e in corpus.registry() if e.symbol == doc.symbol), None)
    facts = [info.doc_type] + ([info.date] if info.date else []) + [f"{len(doc.paragraphs)} paragraphs"]
    head = [f'<header class="ua-doc-head"><div><span class="ua-symbol">{esc(doc.symbol)}</span> '
            f'{availability_badge(info.completeness)} <span class="ua-muted">{esc(" · ".join(facts))}</span></div>',
            f'<h3>{esc(info.title)}</h3>']
    if info.completeness != "full":
        head.append(f'<p class="ua-note">The corpus holds an excerpt. Present: {esc(info.present or "?")}. '
                    f'Missing: {esc(info.missing or "?")}.</p>')
    if entry:
        head.append('<p class="ua-cited-in">Cited by the resolution in '
                    + " ".join(chip(c, "¶" + c.label) for c in entry.cited_by) + "</p>")
    head.append("</header>")
    ordered = sorted(doc.paragraphs, key=lambda p: p.position)
    by_kind = {k: [p for p in ordered if p.kind == k] for k in ("header", "preambular", "operative", "footnote", "other")}
    groups = [_group("Front matter", by_kind["header"], open_=False),
              _group("Preamble", by_kind["preambular"]),
              _group("Operative part", by_kind["operative"]),
              _group("Footnotes", by_kind["footnote"])]
    sections: dict[str, list[Paragraph]] = {}
    for p in by_kind["other"]:
        sections.setdefault(p.section or "Text", []).append(p)
    groups += [_group(name, ps) for name, ps in sections.items()]
    return f'<div class="ua-browser" data-symbol="{esc(doc.symbol)}">{"".join(head)}{"".join(groups)}</div>'


def registry_html(corpus: "Corpus") -> str:
    """Every document the resolution cites, with whether its text is present, partial or absent."""
    entries = corpus.registry()
    counts = {k: sum(1 for e in entries if e.availability == k) for k in ("full", "partial", "absent")}
    rows, previous = [], None
    for e in entries:
        cited = " ".join(chip(c, "¶" + c.label) for c in e.cited_by)
        about = short(e.about or "", 14)
        if about and about == previous:
            about_html = '<span class="ua-ditto" title="Same citing text as the row above">same as above</span>'
        else:
            about_html, previous = esc(about), about
        note = f'<div class="ua-note">{esc(e.note)}</div>' if e.note else ""
        rows.append(f'<tr data-symbol="{esc(e.symbol)}"><td>{doc_chip(e.symbol)}</td><td class="ua-nowrap">{esc(e.date or "—")}</td>'
                    f'<td>{availability_badge(e.availability)}</td><td>{cited}</td>'
                    f'<td class="ua-about-cell">{about_html}{note}</td></tr>')
    summary = (f'<p class="ua-muted">{len(entries)} documents cited by {esc(RESOLUTION)}: '
               f'{counts["full"]} with full text, {counts["partial"]} partial excerpts, {counts["absent"]} absent from the corpus. '
               'Click a symbol for its entry, a paragraph for the citing text.</p>')
    return (f'<div class="ua-registry">{summary}<table class="ua-table"><thead><tr><th>Document</th><th>Date</th>'
            f'<th>Text in corpus</th><th>Cited in</th><th>What the resolution says it is</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def header_html(corpus: "Corpus") -> str:
    doc = corpus.document(RESOLUTION)
    title = doc.info.title if doc else ""
    entries = corpus.registry()
    present = sum(1 for e in entries if e.availability != "absent")
    return ('<header class="ua-header"><div class="ua-header-main">'
            f'<h1>{esc(RESOLUTION)} <span class="ua-header-sub">research assistant</span></h1>'
            f'<p>{esc(title)} · revised draft resolution, First Committee, 73rd session. '
            f'Corpus: {len(corpus.documents)} documents; the resolution cites {len(entries)}, of which {present} are '
            'held in part or in full.</p></div>'
            '<p class="ua-header-note">Answers quote the documents and cite paragraphs. '
            'Check every citation in the reader before relying on it.</p></header>')


def documents_summary(symbols: Iterable[str]) -> str:
    symbols = list(symbols)
    return "all documents" if not symbols else ", ".join(symbols)


# --- agreed language: where else the wording stands, and a draft statement checked ----------------
# Similarity only: two paragraphs sharing wording says nothing about which was written first.
NOT_PROVENANCE = "Same wording; which came first is not shown."
AGREEMENT_WORDS = {"verbatim": "verbatim", "near": "near", "new": "new"}


def diff_html(diff: "Sequence[WordChange]", context: int | None = None) -> str:
    """A word diff as HTML: words only in the corpus paragraph struck through (<del>), words only in the
    other text marked (<ins>), every word escaped. With `context`, long unchanged runs keep that many
    words next to each change ("…").

    >>> from corpus.agreed import diff_words
    >>> diff_html(diff_words("States should cooperate in it", "States shall cooperate"))
    'States <del>should</del> <ins>shall</ins> cooperate <del>in it</del>'
    """
    from corpus.agreed import ChangeKind, trim_unchanged

    marks = {ChangeKind.DROPPED: "<del>{old}</del>", ChangeKind.ADDED: "<ins>{new}</ins>",
             ChangeKind.CHANGED: "<del>{old}</del> <ins>{new}</ins>"}
    return " ".join(esc(" ".join(c.text_words)) if c.kind is ChangeKind.SAME
                    else marks[c.kind].format(old=esc(" ".join(c.corpus_words)), new=esc(" ".join(c.text_words)))
                    for c in trim_unchanged(diff, context, "…"))


def _match_item(match: "Match", context: int | None) -> str:
    from corpus.agreed import MatchKind

    facts = f"{match.kind.value}, similarity {match.similarity:.2f}"
    if match.kind is MatchKind.PARTIAL:
        facts += f" (compared: {match.text_coverage:.0%} of this paragraph, {match.corpus_coverage:.0%} of that one)"
    diff = ("" if match.word_for_word else
            f'<div class="ua-diff" title="struck through: only in {esc(match.citation.key)}; marked: only here">'
            f'{diff_html(match.diff, context)}</div>')
    return (f'<li class="ua-match ua-match-{esc(match.kind.value)}" data-kind="{esc(match.kind.value)}">'
            f'{chip(match.citation)} <span class="ua-muted">{esc(facts)}</span>{diff}</li>')


def where_else_html(paragraph: Paragraph, agreed: "AgreedIndex") -> str:
    """The reader's "Where else" section: the paragraphs with the same or near wording, with diffs."""
    from corpus.agreed import DIFF_CONTEXT

    if paragraph.kind == "header":  # front matter is not negotiated language
        return ""
    matches = agreed.matches(paragraph.text, exclude=paragraph.citation)
    head = f'<h4>Where else ({len(matches)})</h4>'
    note = f'<p class="ua-muted ua-not-provenance">{esc(NOT_PROVENANCE)}</p>'
    if not matches:
        return (f'<section class="ua-where-else">{head}<p class="ua-muted">No other paragraph of the corpus has the '
                f'same or nearly the same wording.</p></section>')
    items = "".join(_match_item(m, DIFF_CONTEXT) for m in matches)
    legend = ('<p class="ua-muted">Diff: <del>only in the other paragraph</del> <ins>only in this one</ins></p>'
              if any(not m.word_for_word for m in matches) else "")
    return f'<section class="ua-where-else">{head}{note}<ul class="ua-list ua-matches">{items}</ul>{legend}</section>'


def statement_check_html(check: "StatementCheck", note: str = "") -> str:
    """A draft statement checked sentence by sentence: verbatim, near (diff + closest chip) or new."""
    from collections import Counter

    from corpus.agreed import DIFF_CONTEXT, Agreement

    if not check.sentences:
        return '<div class="ua-check ua-empty"><p class="ua-muted">Paste a draft statement to check it.</p></div>'
    rows = []
    for n, s in enumerate(check.sentences, 1):
        verdict = s.agreement.value
        detail = ""
        if s.closest is not None:
            also = (' <span class="ua-muted">also</span> ' + " ".join(chip(c) for c in s.also)) if s.also else ""
            detail = (f'<div class="ua-check-closest">{chip(s.closest.citation)} '
                      f'<span class="ua-muted">similarity {s.closest.similarity:.2f}</span>{also}</div>')
            if s.agreement is not Agreement.VERBATIM:
                detail += f'<div class="ua-diff">{diff_html(s.closest.diff, DIFF_CONTEXT)}</div>'
        rows.append(f'<li class="ua-check-sentence ua-agreement-{esc(verdict)}" data-agreement="{esc(verdict)}">'
                    f'<strong class="ua-verdict">{esc(AGREEMENT_WORDS.get(verdict, verdict))}:</strong> '
                    f'<span class="ua-check-text">{esc(s.sentence)}</span>{detail}</li>')
    counts = Counter(s.agreement for s in check.sentences)
    summary = (f'{len(check.sentences)} sentence(s): {counts[Agreement.VERBATIM]} verbatim, {counts[Agreement.NEAR]} near, '
               f'{counts[Agreement.NEW]} new. {NOT_PROVENANCE}')
    return (f'<div class="ua-check"><p class="ua-muted">{esc(summary)}</p>'
            + (f'<p class="ua-note">{esc(note)}</p>' if note else "")
            + f'<ol class="ua-check-list">{"".join(rows)}</ol>'
            '<p class="ua-muted">Diff: <del>only in the corpus paragraph</del> <ins>only in the draft</ins></p></div>')
