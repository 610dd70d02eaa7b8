"""UN document text -> paragraphs with the labels users cite (see corpus/LABELS.md).

Two inputs:
- `parse_pdf_text`: text as a PDF-to-text tool gives it (page furniture, footnotes at page ends,
  paragraph starts marked by indentation or by their printed number or opening phrase);
- `parse_excerpt`: the curated excerpt files (front matter, one paragraph per blank-line block,
  `[...]` gaps).
Both feed the same labeller, `label_blocks`, which is the one place a label is made.

>>> from corpus.parse import parse_pdf_text
>>> doc = parse_pdf_text(open("corpus/texts/A_C.1_73_L.27_Rev.1.txt").read())
>>> doc.get("1.6").text[:40]
'A State should not conduct or knowingly '
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus.clean import (
    FOOTNOTE_RULE,
    URL_LINE,
    is_furniture,
    join_lines,
    page_number,
    repair_split_words,
    strip_footnote_marks,
)
from corpus.records import Document, DocumentInfo, Kind, Paragraph
from corpus.refs import DATE, SYMBOL, find_references, to_iso

CHAPEAU = re.compile(r"^The (General Assembly|Human Rights Council|Security Council|Economic and Social Council),$")
NUMBERED = re.compile(r"^(\d{1,3}(?:\.\d{1,3})*)\.\s+(?=\S)")
LETTERED = re.compile(r"^\(([a-z]{1,2})\)\s+(?=\S)")
BULLET = re.compile(r"^[•●▪◦]\s*")
GAP, EXCERPT_END = "[...]", "[excerpt ends]"
SECTIONS = {"summary": "summary", "note by the secretary-general": "note", "letter of transmittal": "letter"}
ANNEX = re.compile(r"^annex(?:\s+[IVX]+)?$", re.I)
# The document's own symbol: a full stop after it ends the sentence ("... A/70/174."), and a symbol kept
# with it would not look up, since corpus/lookup.py reads "A/70/174." as A/70/174.
DOC_SYMBOL = re.compile(SYMBOL.pattern + r"(?<!\.)")

# Multi-word openings come first so "Expressing concern" wins over "Expressing".
PHRASES = (
    "Bearing in mind", "Taking note with appreciation of", "Taking note of", "Deeply concerned",
    "Expressing its concern", "Expressing concern", "Expressing its appreciation", "Calls upon",
    "Also decides", "Further decides", "Decides also", "Requests also", "Also requests",
    "Further requests", "Also invites", "Further invites", "Takes note of", "Takes note",
    "Encourages also", "Welcoming also", "Welcomes also", "Reaffirming also", "Reaffirming further",
    "Recalling also", "Recalling further", "Recognizing also", "Recognizing further", "Confirming also",
    "Noting also", "Noting further", "Stressing also", "Emphasizing also",
)
OPENING_WORDS = {
    "Acknowledging", "Affirming", "Alarmed", "Approves", "Aware", "Bearing", "Calls", "Concerned",
    "Confirming", "Conscious", "Considering", "Considers", "Convinced", "Decides", "Declares", "Deeply",
    "Desiring", "Determined", "Emphasizes", "Emphasizing", "Encourages", "Endorses", "Expressing",
    "Guided", "Highlighting", "Invites", "Mindful", "Noting", "Reaffirming", "Reaffirms", "Recalling",
    "Recalls", "Recognizes", "Recognizing", "Recommends", "Reiterating", "Requests", "Stressing",
    "Stresses", "Taking", "Takes", "Underlines", "Underlining", "Underscores", "Underscoring",
    "Urges", "Welcomes", "Welcoming",
}


@dataclass
class Block:
    """A re-joined paragraph of raw text before it has a label."""

    text: str
    page: int | None = None
    marks: list[int] = field(default_factory=list)


def opening_phrase(text: str) -> str | None:
    """The operative or preambular phrase a paragraph opens with.

    >>> opening_phrase("Expressing concern that a number of States ...")
    'Expressing concern'
    >>> opening_phrase("Also decides that the open-ended working group ...")
    'Also decides'
    """
    for phrase in PHRASES:
        if text.startswith(phrase + " ") or text.startswith(phrase + ","):
            return phrase
    first = text.split(" ", 1)[0].rstrip(",")
    return first if first in OPENING_WORDS else None


def is_heading(text: str) -> bool:
    """A short block without closing punctuation: "Summary", "A. Introduction", a report title."""
    if re.fullmatch(DATE, text) or text in (GAP, EXCERPT_END) or NUMBERED.match(text):
        return False
    return len(text.split()) <= 30 and not re.search(r"[.,;:]$", text)


def label_blocks(blocks: list[Block], info: DocumentInfo, header: str | None = None,
                 footnotes: dict[int, Block] | None = None) -> tuple[Paragraph, ...]:
    """Give each block its label, kind and phrase, following corpus/LABELS.md.

    `header` is the front matter when the caller has already read it (PDF text); otherwise the
    heading blocks above the first paragraph (or everything above "The General Assembly,") are it.
    """
    operative_kind: Kind = "other" if info.doc_type == "report" else "operative"
    paragraphs: list[Paragraph] = []
    has_chapeau = any(CHAPEAU.match(b.text) for b in blocks)
    header_lines: list[str] = [header] if header else []
    in_front = header is None
    in_preamble = header is not None  # a PDF's blocks start at "The General Assembly,"
    prefix, section, section_count, pp = "", None, 0, 0
    gaps, after_gap, gap_count = 0, False, 0
    last_number, bullets, headings, others = None, 0, 0, 0
    annex_lines: list[str] | None = None

    def add(label: str, kind: Kind, block: Block, phrase: str | None = None) -> None:
        refs = [r.symbol for r in find_references(block.text)]
        paragraphs.append(Paragraph(
            symbol=info.symbol, label=label, kind=kind, text=block.text, position=len(paragraphs),
            phrase=phrase, page=block.page, refs=tuple(refs),
            footnotes=tuple(dict.fromkeys(f"fn{m}" for m in block.marks)), section=section,
        ))

    for block in blocks:
        text = block.text
        if text == EXCERPT_END:
            break
        if text == GAP:
            in_front, section = False, None
            gaps, after_gap, gap_count = gaps + 1, True, 0
            continue
        if CHAPEAU.match(text):
            in_front, in_preamble, pp = False, True, 0
            continue
        # "A. Introduction" opens the body; only title lines above it are front matter.
        known_section = text.lower() in SECTIONS or ANNEX.match(text) or re.match(r"^[A-Z]\. ", text)
        if in_front and (has_chapeau or is_heading(text)) and not known_section:
            header_lines.append(text)
            continue
        if annex_lines is not None and is_heading(text):
            annex_lines.append(text)
            continue
        if annex_lines is not None:  # the annex heading ends at its first paragraph
            paragraphs.append(Paragraph(info.symbol, "annex", "other", "\n".join(annex_lines),
                                        len(paragraphs), page=block.page, section="ANNEX"))
            annex_lines = None
        in_front = False

        if number := NUMBERED.match(text):
            in_preamble, last_number, bullets = False, number.group(1), 0
            body = text[number.end():]
            add(prefix + last_number, operative_kind, Block(body, block.page, block.marks), opening_phrase(body))
        elif (letter := LETTERED.match(text)) and last_number:
            body = text[letter.end():]
            add(f"{prefix}{last_number}({letter.group(1)})", operative_kind, Block(body, block.page, block.marks))
        elif BULLET.match(text) and last_number:
            bullets += 1
            add(f"{prefix}{last_number}-b{bullets}", operative_kind, Block(BULLET.sub("", text), block.page, block.marks))
        elif ANNEX.match(text):
            prefix, section, pp, last_number, after_gap = "annex-", "ANNEX", 0, None, False
            annex_lines = [text]
        elif text.lower() in SECTIONS:
            section, section_count, after_gap = text, 0, False
        elif is_heading(text):
            headings += 1
            section = None
            add(f"{prefix}heading-{headings}", "other", block)
        elif after_gap:
            gap_count += 1
            phrase = opening_phrase(text)
            # An excerpt that starts mid-preamble has no chapeau line: a resolution's paragraph that
            # opens with a preambular phrase before any numbered one is preambular all the same.
            preambular = in_preamble or (operative_kind == "operative" and last_number is None and phrase)
            add(f"{prefix}gap{gaps}.{gap_count}", "preambular" if preambular else "other", block, phrase)
        elif section and section.lower() in SECTIONS:
            section_count += 1
            add(f"{SECTIONS[section.lower()]}-{section_count}", "other", block)
        elif in_preamble:
            pp += 1
            add(f"{prefix}PP{pp}", "preambular", block, opening_phrase(text))
        else:
            others += 1
            add(f"{prefix}text-{others}", "other", block, opening_phrase(text))

    if header_lines:
        paragraphs.insert(0, Paragraph(info.symbol, "header", "header", "\n".join(header_lines), 0, page=1))
    for number, note in sorted((footnotes or {}).items()):
        paragraphs.append(Paragraph(info.symbol, f"fn{number}", "footnote", note.text, 0, page=note.page,
                                    refs=tuple(r.symbol for r in find_references(note.text))))
    # Positions follow the final order (the header was inserted first, footnotes appended last).
    return tuple(_with_position(p, i) for i, p in enumerate(paragraphs))


def _with_position(p: Paragraph, position: int) -> Paragraph:
    from dataclasses import replace

    return p if p.position == position else replace(p, position=position)


# --- PDF text --------------------------------------------------------------------------------

def _starts_paragraph(line: str, previous: str | None) -> bool:
    stripped = line.strip()
    if previous is None or line[:1].isspace():
        return True
    # Without indentation (some extractors drop it), a printed number or an opening phrase after
    # a line that closed a clause starts a paragraph.
    closed = previous.rstrip().endswith((",", ";", ":", "."))
    first = stripped.split(" ", 1)[0]
    return closed and bool(NUMBERED.match(stripped) or LETTERED.match(stripped) or first in OPENING_WORDS)


def _group(lines: list[tuple[str, int]]) -> list[tuple[list[str], int]]:
    groups: list[tuple[list[str], int]] = []
    previous = None
    for line, page in lines:
        if _starts_paragraph(line, previous):
            groups.append(([], page))
        groups[-1][0].append(line)
        previous = line
    return groups


FOOTNOTE_START = re.compile(r"^\s*(\d{1,2})\s+(\S.*)$")


def _footnotes(lines: list[tuple[str, int]]) -> dict[int, Block]:
    notes: dict[int, tuple[list[str], int]] = {}
    current = None
    for line, page in lines:
        match = FOOTNOTE_START.match(line)
        # A footnote starts with its number, indented; numbers only go up, so a continuation line
        # that happens to start with a number is not taken for a new footnote.
        if match and line[:1].isspace() and (current is None or int(match.group(1)) > current):
            current = int(match.group(1))
            notes[current] = ([match.group(2)], page)
        elif current is not None:
            notes[current][0].append(line)
    return {n: Block(join_lines(body), page) for n, (body, page) in notes.items()}


def _front_matter(lines: list[str]) -> tuple[str, dict[str, str]]:
    """Re-join the masthead lines and read its fields (symbol, date, committee, sponsors, title)."""
    merged: list[str] = []
    in_sponsors, after_agenda = False, False
    for raw in lines:
        line = " ".join(raw.split())
        if after_agenda and not in_sponsors and ", " in line and merged and "draft resolution" not in merged[-1]:
            in_sponsors = True
            merged.append(line)
        elif merged and (in_sponsors or merged[-1].endswith(",") or line[0].islower() or line[0] == "("):
            merged[-1] = f"{merged[-1]} {line}"
        else:
            merged.append(line)
        if in_sponsors and "draft resolution" in line:
            in_sponsors = False
        after_agenda = after_agenda or line.startswith("Agenda item")
    text = "\n".join(merged)
    fields: dict[str, str] = {}
    if symbol := DOC_SYMBOL.search(text):
        fields["symbol"] = symbol.group(0)
    if date := re.search(DATE, text):
        fields["date"] = to_iso(date.group(0)) or ""
    for line in merged:
        if m := re.search(r"Distr\.: (\w+)", line):
            fields["distribution"] = m.group(1)
        elif re.search(r"\bsession$", line):
            fields["session"] = line
        elif line.endswith("Committee"):
            fields["committee"] = line
        elif m := re.match(r"Agenda items? (.+)$", line):
            fields["agenda item"] = m.group(1)
        elif m := re.match(r"(.+): (?:revised )?draft resolution$", line):
            fields["sponsors"] = m.group(1)
            fields["doc_type"] = "draft resolution"
    if merged:
        fields["title"] = merged[-1]
    return text, fields


def parse_pdf_text(text: str, symbol: str | None = None) -> Document:
    """Parse a UN document as a PDF-to-text tool gives it (see the module docstring)."""
    body: list[tuple[str, int]] = []
    notes: list[tuple[str, int]] = []
    page, in_notes = 1, False
    for line in text.splitlines():
        stripped = line.strip()
        if (number := page_number(stripped)) is not None:
            page, in_notes = number, False
        elif FOOTNOTE_RULE.match(stripped):
            in_notes = True
        elif URL_LINE.match(stripped):
            in_notes = False  # the hyperlink list closes a page
        elif stripped and not is_furniture(stripped):
            (notes if in_notes else body).append((line.rstrip(), page))

    start = next((i for i, (line, _) in enumerate(body) if CHAPEAU.match(line.strip())), None)
    if start is not None:
        header, fields = _front_matter([line for line, _ in body[:start]])
    else:  # a report: its heading lines become the header in label_blocks
        start, header, fields = 0, None, {}
        if found := DOC_SYMBOL.search("\n".join(line for line, _ in body[:12])):
            fields["symbol"] = found.group(0)
    footnotes = _footnotes(notes)
    numbers = set(footnotes)
    blocks: list[Block] = []
    for lines, first_page in _group(body[start:]):
        joined, marks = strip_footnote_marks(join_lines(lines), numbers)
        blocks.append(Block(repair_split_words(joined), first_page, marks))

    symbol = symbol or fields.get("symbol")
    if not symbol:
        raise ValueError("no document symbol found in the text: give one with --symbol")
    info = DocumentInfo(
        symbol=symbol, title=fields.get("title", ""), date=fields.get("date"),
        doc_type=fields.get("doc_type", "resolution" if header else "report"), completeness="full",
        extra={k: v for k, v in fields.items() if k not in {"symbol", "title", "date", "doc_type"}},
    )
    return Document(info, label_blocks(blocks, info, header=header, footnotes=footnotes))


# --- Excerpt files ---------------------------------------------------------------------------

def read_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Split `---`-delimited `key: value` front matter from the body."""
    match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    if not match:
        return {}, text
    fields = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    return fields, text[match.end():]


def parse_excerpt(text: str) -> Document:
    """Parse a curated excerpt file (front matter, blank-line blocks, `[...]` gaps)."""
    fields, body = read_front_matter(text)
    if "symbol" not in fields:
        raise ValueError("excerpt has no 'symbol:' in its front matter")
    info = DocumentInfo(
        symbol=fields["symbol"], title=fields.get("title", ""), date=fields.get("date"),
        doc_type=fields.get("kind", "resolution").replace("-", " "), source=fields.get("source", ""),
        completeness="partial" if fields.get("completeness") == "partial" else "full",
        present=fields.get("present", ""), missing=fields.get("missing", ""),
    )
    blocks = [Block(" ".join(b.split())) for b in re.split(r"\n\s*\n", body) if b.strip()]
    return Document(info, label_blocks(blocks, info))
