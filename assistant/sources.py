"""Where a sentence says its claim stands, and whether it cites that place (rule named_source).

A user quotes a sentence together with its pointer, so the place the sentence itself names must be
the place it cites. The small model writes "The 2013 GGE report concluded that States should respect
human rights" cited to the draft's ¶1, which only welcomes the norms of the 2013 and 2015 reports;
"Paragraph 55 of the OEWG final report and paragraph 25 of the 2015 GGE report state ..." cited to the
OEWG's ¶55 alone; "The preamble highlights ..." cited to a paragraph of the 2015 report. Every word
of these is in the cited text, so neither word overlap nor the judge can see it.

A sentence names its source in two shapes, at its start:
- the source as the subject of a verb: "Norm 1.3 says", "Paragraphs 5 and 7 plan", "The 2015 GGE
  report states". A document (no paragraph) counts only before a verb of saying ("states",
  "concluded", "notes"): "Resolution 71/28 recommended the norms", cited to the draft's ¶1 that says
  so, is a claim about the resolution, not a quote of it.
- "Under norm 1.3," / "According to operative paragraph 5," / "In the preamble,": a paragraph only.
Each source named must match a citation: the same document where one is named, the same label (or
a part of it: "paragraph 4" is matched by ¶4(a)); "the preamble" by any preambular paragraph; "the
resolution", "the draft" by any paragraph of a resolution. Anything else the check leaves alone.

>>> from corpus.store import load_corpus
>>> corpus = load_corpus()
>>> draft = "A/C.1/73/L.27/Rev.1"
>>> uncited_source("The 2013 GGE report concluded that States should respect human rights.",
...                [Citation(draft, "1")], corpus)
'A/68/98'
>>> uncited_source("Under norm 1.3, States should not use proxies.", [Citation(draft, "1.3")], corpus) is None
True
>>> uncited_source("Operative paragraphs 5 and 7 plan for the sessions.", [Citation(draft, "5")], corpus)
'¶7'
>>> uncited_source("The preamble highlights that disputes should be settled peacefully.",
...                [Citation("A/70/174", "26")], corpus)
'the preamble'
>>> uncited_source("Resolution 71/28 recommended the norms.", [Citation(draft, "1")], corpus) is None
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from corpus.lookup import parse_reference
from corpus.records import Citation

if TYPE_CHECKING:
    from corpus.store import Corpus

_LEAD = r"^\W*(?:(?:yes|no)\b\W*)?(?:(?:in addition|moreover|also|furthermore|however|finally|specifically)\b,?\s*)?"
SAYING = re.compile(r"(?:state[sd]?|say[s]?|said|conclude[sd]?|confirm(?:s|ed)?|note[sd]?|highlight(?:s|ed)?|stress(?:es|ed)?|"
                    r"emphasi[sz]e[sd]?|underline[sd]?|underscore[sd]?|describe[sd]?|mention(?:s|ed)?|list(?:s|ed)?|find[s]?|found|"
                    r"read[s]?|observe[sd]?|point(?:s|ed)? out|acknowledge[sd]?|affirm(?:s|ed)?|reaffirm(?:s|ed)?|recogni[sz]e[sd]?|"
                    r"indicate[sd]?|explain(?:s|ed)?|report(?:s|ed)?|refer(?:s|red)? to|set(?:s)? out)\b", re.I)
ADVERBS = frozenset("also further itself specifically explicitly clearly expressly then".split())
LEAD = re.compile(_LEAD, re.I)
CLAUSE_END = re.compile(r"[,;:“\"()]")
FRAME = re.compile(_LEAD + r"(?:according to|under|in|as stated in|as set out in|as per|per)\s+(?P<source>[^,;:“\"()]{2,120}?)\s*,",
                   re.I)
# One source phrase may name several: "paragraph 55 of the OEWG report and paragraph 25 of the 2015 report".
PARTS = re.compile(r"\s*(?:,|\band\b|\bas well as\b|&)\s*", re.I)
GENERIC = re.compile(r"(?:the|this|that|its)\s+(?:draft\s+)?(?:resolution|text|draft)", re.I)
PREAMBLE = re.compile(r"(?:the|its|this)\s+(?:draft's\s+|resolution's\s+)?(?:preamble|preambular paragraphs)", re.I)
NUMBER_ONLY = re.compile(r"(?:¶\s*)?\d{1,3}(?:\.\d{1,3})*(?:\s*\([a-z]{1,2}\))?", re.I)


@dataclass(frozen=True)
class Source:
    """A place a sentence names: a document, a paragraph (in any document when `symbol` is None), the
    preamble, or the resolution in general words."""

    name: str  # as it is reported: "A/68/98", "¶7", "the preamble"
    symbol: str | None = None
    label: str | None = None
    preamble: bool = False
    generic: bool = False


def uncited_source(sentence: str, citations: Sequence[Citation], corpus: "Corpus") -> str | None:
    """The first source the sentence names that none of its citations is, or None."""
    if not citations:
        return None
    for source in named_sources(sentence):
        if not any(matches(source, c, corpus) for c in citations):
            return source.name
    return None


def named_sources(sentence: str) -> list[Source]:
    """The sources a sentence names at its start (see the module docstring); [] when it names none."""
    if m := FRAME.match(sentence):
        return [s for s in sources(m.group("source")) if s.label or s.preamble]
    start = LEAD.match(sentence).end()
    words = CLAUSE_END.split(sentence[start:], maxsplit=1)[0].split()
    for i in range(min(len(words) - 1, 20), 0, -1):  # the longest opening that names sources, then its verb
        found = sources(" ".join(words[:i]))
        if not found:
            continue
        rest = words[i + 1:] if words[i].lower() in ADVERBS else words[i:]
        if SAYING.match(" ".join(rest)):
            return found
        return [s for s in found if s.label or s.preamble]
    return []


def sources(phrase: str) -> list[Source]:
    """Each source in a phrase, or [] if a part of it is not one ("States and the private sector")."""
    out, previous = [], None
    for part in PARTS.split(phrase.strip()):
        if not part:
            continue
        source = source_of(part, previous)
        if source is None:
            return []
        out.append(source)
        previous = source
    return out


def source_of(part: str, previous: Source | None) -> Source | None:
    if GENERIC.fullmatch(part):
        return Source(part[:1].lower() + part[1:], generic=True)
    if PREAMBLE.fullmatch(part):
        return Source("the preamble", preamble=True)
    if previous and previous.label and NUMBER_ONLY.fullmatch(part):  # "paragraphs 5 and 7": 7 is a paragraph too
        part = "paragraph " + part
    reference = parse_reference(part, default_symbol="")
    if reference is None or not (reference.symbol or reference.label) or part.strip().isdigit():
        return None
    symbol = reference.symbol or None
    if reference.label is None:
        return Source(symbol, symbol=symbol)
    return Source(f"{symbol + ' ' if symbol else ''}¶{reference.label}", symbol, reference.label)


def matches(source: Source, citation: Citation, corpus: "Corpus") -> bool:
    """Does the citation point to the named source? (a part of a named paragraph counts, and the reverse)"""
    paragraph = corpus.cite(citation)
    if source.generic:
        document = corpus.document(citation.symbol)
        return document is not None and "resolution" in document.info.doc_type
    if source.preamble:
        return paragraph is not None and paragraph.kind == "preambular"
    if source.symbol and citation.symbol != source.symbol:
        return False
    if source.label is None:
        return True
    a, b = citation.label, source.label
    return a == b or a.startswith((b + "(", b + ".", b + "-")) or b.startswith((a + "(", a + ".", a + "-"))
