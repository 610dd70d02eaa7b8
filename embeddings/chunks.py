"""Paragraphs as index chunks: what is embedded, under which stable id, with which metadata.

One chunk per paragraph. The embedded text is a short context line (document, year, where the
paragraph stands) followed by the paragraph's text; what is returned and cited is always the exact
paragraph, found again through the Corpus by (symbol, label). A paragraph longer than the model's
window is cut into overlapping pieces on word boundaries; every piece keeps the paragraph's label
(ids `<symbol> ¶<label>#<part>`), and search results are reported per paragraph.

>>> from embeddings.chunks import corpus_chunks
>>> chunks = corpus_chunks(corpus, encoder.token_spans, encoder.max_tokens)   # doctest: +SKIP
>>> chunks[0].id, chunks[0].text.splitlines()[0]                               # doctest: +SKIP
('A/C.1/73/L.27/Rev.1 ¶header#0', 'A/C.1/73/L.27/Rev.1 (draft resolution, 2018) Developments in the field of information and: front matter')
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from corpus.records import Paragraph
from corpus.store import Corpus

TokenSpans = Callable[[str], list[tuple[int, int]]]  # text -> character span of each word piece

SPECIAL_TOKENS = 2  # [CLS] and [SEP]
DEFAULT_OVERLAP = 48  # word pieces shared by consecutive pieces of a long paragraph
TITLE_WORDS = 6  # of a document title in the context line; 3-8 measured alike, whole titles worse
FOOTNOTE_CONTEXT_WORDS = 30  # of the paragraph marking a footnote, quoted in the footnote's line


@dataclass(frozen=True)
class Chunk:
    """One embedded unit: a paragraph, or one piece of a long one."""

    paragraph: Paragraph
    part: int  # 0 for the first (or only) piece
    parts: int
    text: str  # what is embedded and indexed for BM25: context line + paragraph text (or piece)

    @property
    def id(self) -> str:
        return chunk_id(self.paragraph.symbol, self.paragraph.label, self.part)

    @property
    def key(self) -> str:
        """The paragraph's citation key "symbol ¶label", shared by all its pieces."""
        return self.paragraph.citation.key

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def metadata(self) -> dict[str, str | int]:
        """Scalar-only metadata, as Chroma stores it."""
        p = self.paragraph
        return {"symbol": p.symbol, "label": p.label, "kind": p.kind,
                "page": p.page if p.page is not None else -1, "position": p.position,
                "refs": ";".join(p.refs), "part": self.part, "parts": self.parts,
                "content_hash": self.content_hash}


def chunk_id(symbol: str, label: str, part: int = 0) -> str:
    """`A/70/174 ¶26#0`."""
    return f"{symbol} ¶{label}#{part}"


def parse_chunk_id(value: str) -> tuple[str, str, int]:
    """(symbol, label, part) of a chunk id."""
    head, _, part = value.rpartition("#")
    symbol, _, label = head.partition(" ¶")
    return symbol, label, int(part)


def where(paragraph: Paragraph) -> str:
    """Where the paragraph stands, in words: "operative paragraph 1.6", "Summary paragraph 2"."""
    label = paragraph.label
    if paragraph.kind == "other":
        for prefix, name in (("summary-", "Summary paragraph"), ("note-", "note paragraph"),
                             ("letter-", "letter of transmittal paragraph"), ("heading-", "heading")):
            if label.startswith(prefix):
                return f"{name} {label[len(prefix):]}"
        if label == "annex":
            return "annex heading"
        if label.startswith("gap"):
            return "paragraph"
        return f"paragraph {label}"
    if label.startswith("annex-"):
        return "annex " + paragraph.kind_name.replace("annex-", "").replace("PP", "")
    if label.startswith("gap"):
        return f"{paragraph.kind} paragraph" if paragraph.kind != "footnote" else "footnote"
    return paragraph.kind_name


def short_title(title: str, words: int = TITLE_WORDS) -> str:
    """The head of a title, which names the body or subject ("Group of Governmental Experts on ...")."""
    head = title.split(" — ")[0].split()
    return " ".join(head[:words])


def document_line(symbol: str, corpus: Corpus | None) -> str:
    """`A/70/174 (report, 2015) Group of Governmental Experts on Developments in ...`."""
    document = corpus.document(symbol) if corpus else None
    if document is None:
        return symbol
    info = document.info
    year = f", {info.date[:4]}" if info.date else ""
    return f"{document.symbol} ({info.doc_type}{year}) {short_title(info.title)}"


def context_line(paragraph: Paragraph, corpus: Corpus | None = None) -> str:
    """What is embedded before a paragraph's text: its document and where it stands in it.

    A footnote's text is often only a symbol ("A/70/174."), so its line also quotes the start of
    the paragraph that marks it and names the documents it cites when the corpus has them.
    """
    line = f"{document_line(paragraph.symbol, corpus)}: {where(paragraph)}"
    if paragraph.kind != "footnote" or corpus is None:
        return line
    document = corpus.document(paragraph.symbol)
    marking = [p for p in document.paragraphs if paragraph.label in p.footnotes] if document else []
    if marking:
        line += f", to {where(marking[0])}: " + " ".join(marking[0].text.split()[:FOOTNOTE_CONTEXT_WORDS])
    for symbol in paragraph.refs:
        if corpus.document(symbol) is not None:
            line += "; " + document_line(symbol, corpus)
    return line


def _cut_points(spans: list[tuple[int, int]], budget: int, overlap: int) -> list[tuple[int, int]]:
    """Token index ranges [start, end) of overlapping windows, moved back to word starts."""
    def word_start(i: int) -> bool:  # cut only where whitespace separates two word pieces
        return i == 0 or i >= len(spans) or spans[i][0] > spans[i - 1][1]

    windows: list[tuple[int, int]] = []
    start = 0
    while True:
        end = min(start + budget, len(spans))
        if end < len(spans):
            cut = end
            while cut > start + budget // 2 and not word_start(cut):
                cut -= 1
            end = cut if word_start(cut) else end
        windows.append((start, end))
        if end >= len(spans):
            return windows
        nxt = max(end - overlap, start + 1)
        while nxt > start + 1 and not word_start(nxt):
            nxt -= 1
        start = nxt


def paragraph_chunks(paragraph: Paragraph, head: str, token_spans: TokenSpans, max_tokens: int,
                     overlap: int = DEFAULT_OVERLAP) -> list[Chunk]:
    """The chunk(s) of one paragraph under context line `head`: one, or overlapping pieces if the
    paragraph exceeds `max_tokens` word pieces."""
    body = paragraph.text
    head_spans = token_spans(head)
    if len(head_spans) > max_tokens // 2:  # a context line never takes more than half the window
        head = head[:head_spans[max_tokens // 2 - 1][1]]
    budget = max_tokens - SPECIAL_TOKENS - len(token_spans(head + "\n"))
    spans = token_spans(body)
    if len(spans) <= budget:
        return [Chunk(paragraph, 0, 1, f"{head}\n{body}")]
    if budget < 16:
        raise ValueError(f"{paragraph.citation}: context line leaves {budget} of {max_tokens} tokens")
    windows = _cut_points(spans, budget, min(overlap, budget // 2))
    pieces = []
    for i, (start, end) in enumerate(windows):
        stop = spans[end][0] if end < len(spans) else len(body)
        pieces.append(Chunk(paragraph, i, len(windows), f"{head}\n{body[spans[start][0]:stop].strip()}"))
    return pieces


def corpus_chunks(corpus: Corpus, token_spans: TokenSpans, max_tokens: int,
                  overlap: int = DEFAULT_OVERLAP) -> list[Chunk]:
    """Every chunk of the corpus, in document and paragraph order."""
    chunks: list[Chunk] = []
    for document in corpus.documents.values():
        for paragraph in document.paragraphs:
            chunks += paragraph_chunks(paragraph, context_line(paragraph, corpus), token_spans, max_tokens, overlap)
    return chunks
