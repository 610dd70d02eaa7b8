"""Citations are the program's job: read what the model wrote, keep only labels it was given, and
attach to every answer sentence the paragraph(s) that support it.

The model's own markers are a hint, never trusted: a marker naming a paragraph that was not in the
prompt is dropped, a marker on a sentence its paragraph does not support is replaced by the best
supporting paragraph, and a sentence that nothing supports is marked ⚠ (and counted as unsupported).

>>> split_sentences("States should cooperate [¶1.1]. The group meets in June 2019 [¶6].")
['States should cooperate [¶1.1].', 'The group meets in June 2019 [¶6].']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answer import SentenceSupport
from assistant.support import NUMBER, SupportScorer, content_words
from corpus.records import RESOLUTION, Citation, Paragraph
from corpus.refs import SYMBOL

UNSUPPORTED_MARK = "⚠"
MODEL_BONUS = 0.05  # score head start for the paragraph the model itself cited
# [A/70/174 ¶26], [¶1.6], [1.6], [A/C.1/73/L.27/Rev.1 ¶1.6, ¶1.7], (¶4(a)); also "¶1.6" bare.
MARKER = re.compile(r"[\[(]((?:[A-Z][A-Za-z0-9./()]*\s*)?¶?\s*[A-Za-z0-9.()\-]+(?:\s*[,;]\s*(?:[A-Z][A-Za-z0-9./()]*\s*)?¶?\s*[A-Za-z0-9.()\-]+)*)[\])]"
                    r"|(?<!\w)¶\s*([A-Za-z0-9.()\-]*[A-Za-z0-9)])")
# A symbol is parted from its label by a space or "¶", so a bare "PP3" is a label, not symbol "P" + "P3".
ITEM = re.compile(r"^(?:([A-Z][A-Za-z0-9./()]*?)(?:\s+|\s*(?=¶)))?¶?\s*([A-Za-z0-9.()\-]+)$")
# A passage heading echoed: 'operative paragraph 1.6 (listed under ¶1, "Welcomes")' as answers name it,
# 'operative, listed under ¶1 "Welcomes"' as the prompt writes it.
HEADING_ECHO = re.compile(r'\b(?:operative|preambular)(?: paragraph (?=[\w.()]*\d)[\w.()]+)?(?:,? \(?(?:listed under ¶[\w.()]+,? )?"[^"]+"\)?)?', re.I)
# A sentence ending in a preposition or article is unfinished; whatever it cites cannot support it.
DANGLING = re.compile(r"\b(?:(?i:in|at|(?<!so )on|of|by|to|for|from|with|the)|a|an)\s*[.!?]?\s*$")  # not "Annex A", "and so on"
SENTENCE_END = re.compile(r"(?<=[.!?])(?:\s*(?:\[[^\]]*\]|\([^)]*¶[^)]*\)))*\s+(?=[A-Z“\"(\[]|\d+\.\s)")


# A citation marker followed by a new capitalised clause, or a blank line: the end of what it cites, full
# stop or not (preambular paragraphs end with a comma: "... Governments, [¶PP4]\n\nRequests ...").
MARKER_ENDS = re.compile(r"(\[[^\]]*¶[^\]]*\]|\([^)]*¶[^)]*\))[ \t]*(?:\n\s*|\s+(?=[A-Z“\"]))")


def split_sentences(text: str) -> list[str]:
    """Sentences, each keeping the citation markers that follow its full stop. Two quoted paragraphs
    are two sentences, though a preambular one ends with a comma.

    >>> split_sentences("Deeply concerned at the threat, [¶PP4]\\n\\nRequests the Secretary-General to act, [¶2]")
    ['Deeply concerned at the threat, [¶PP4]', 'Requests the Secretary-General to act, [¶2]']
    """
    return [sentence for block in re.split(r"\n\s*\n", MARKER_ENDS.sub("\\1\n\n", text))
            for sentence in _sentences(block)]


def _sentences(text: str) -> list[str]:
    text = " ".join(text.split())
    if not text:
        return []
    parts, start = [], 0
    for match in SENTENCE_END.finditer(text):
        end = match.start()
        # Keep markers that trail the full stop with the sentence they close.
        trailing = re.match(r"((?:\s*(?:\[[^\]]*\]|\([^)]*¶[^)]*\)))*)", text[end:])
        end += len(trailing.group(1)) if trailing else 0
        piece = text[start:end].strip()
        # Not an end: an abbreviation ("No.", "para.", "e.g.") or a list number standing alone ("1.").
        last = piece.split()[-1] if piece else ""
        if piece and not re.fullmatch(r"(?:[a-z]|No|para|paras|e\.g|i\.e|U\.N|chap|sect)\.?", last) \
                and not (len(piece.split()) == 1 and re.fullmatch(r"\d+(?:\.\d+)*\.?", last)):
            parts.append(piece)
            start = end
    tail = text[start:].strip()
    if tail:
        parts.append(tail)
    return parts


@dataclass(frozen=True)
class ParsedSentence:
    text: str  # without markers
    cited: tuple[Citation, ...]  # markers that name a paragraph the model was given
    invalid: tuple[str, ...]  # markers that name anything else: dropped


def parse_markers(sentence: str, given: Sequence[Paragraph]) -> ParsedSentence:
    """Read the model's markers; keep those that name a given paragraph (full or bare label)."""
    by_key = {p.citation.key.lower(): p.citation for p in given}
    by_label: dict[str, list[Citation]] = {}
    for p in given:
        by_label.setdefault(p.label.lower(), []).append(p.citation)
    cited: list[Citation] = []
    invalid: list[str] = []

    def take(item: str) -> bool:
        match = ITEM.match(item.strip())
        if not match:
            return False
        symbol, label = match.group(1), match.group(2).lower().rstrip(".")
        if symbol:
            citation = by_key.get(f"{symbol} ¶{label}".lower())
        else:
            # A bare label is the resolution's (as the prompt writes it), else the one document that has it.
            options = by_label.get(label, [])
            own = [c for c in options if c.symbol == RESOLUTION]
            citation = own[0] if own else options[0] if len(options) == 1 else None
        if citation is None:
            invalid.append(item.strip())
        elif citation not in cited:
            cited.append(citation)
        return True

    def replace(match: re.Match) -> str:
        body = match.group(1) or match.group(2)
        items = re.split(r"\s*[,;]\s*", body)
        if match.group(0)[0] == "[" and all(SYMBOL.fullmatch(i.strip()) for i in items):
            return body  # "[A/65/201]" names a document, not a paragraph: it is text, not a citation
        if match.group(1) and not any("¶" in i or re.fullmatch(r"[A-Z]?[A-Za-z]*\d+(?:[.(][0-9a-z)]+)*", i.strip()) for i in items):
            return match.group(0)  # an ordinary parenthesis, e.g. "(ICTs)"
        results = [take(i) for i in items]
        return "" if any(results) else match.group(0)

    clean = MARKER.sub(replace, sentence)
    clean = re.sub(r"\s+([.,;:])", r"\1", " ".join(clean.split())).strip()
    return ParsedSentence(clean, tuple(cited), tuple(invalid))


def attach_citations(answer: str, given: Sequence[Paragraph], scorer: SupportScorer) -> list[SentenceSupport]:
    """Per sentence: the given paragraphs that support it (the model's choice if it holds, else the
    best-scoring paragraph that does), or none, and then the sentence is marked unsupported."""
    supports: list[SentenceSupport] = []
    for raw in split_sentences(answer):
        parsed = parse_markers(raw, given)
        # A sentence that only echoes a passage heading states nothing: it is dropped. A short answer
        # ("June 2019.", "A/65/201, A/68/98 and A/70/174.") is kept and checked like any other.
        rest = HEADING_ECHO.sub("", parsed.text)
        if not content_words(rest) and not NUMBER.search(rest):
            continue
        if DANGLING.search(parsed.text):  # "It meets in." - the model had nothing to fill in
            supports.append(SentenceSupport(parsed.text, (), False, 0.0))
            continue
        scores = scorer.scores(parsed.text, [p.text for p in given])
        # Best-scoring first; the model's own choice gets a small head start, so it wins a near tie
        # but never over a paragraph that clearly says more of the sentence.
        ranked = sorted(zip(given, scores), key=lambda item: -(item[1] + (MODEL_BONUS if item[0].citation in parsed.cited else 0)))
        chosen: list[Citation] = []
        best_score = 0.0
        for paragraph, score in ranked[:3]:
            if scorer.verdict(parsed.text, paragraph.text, score).supported:
                chosen.append(paragraph.citation)
                best_score = score
                break
        if not chosen and len(ranked) > 1:  # a sentence that joins two paragraphs needs both
            (first, s1), (second, s2) = ranked[0], ranked[1]
            if scorer.verdict(parsed.text, f"{first.text}\n{second.text}").supported:
                chosen, best_score = [first.citation, second.citation], max(s1, s2)
        supports.append(SentenceSupport(parsed.text, tuple(chosen), bool(chosen), best_score or (ranked[0][1] if ranked else 0.0)))
    return supports


def render_answer(sentences: Sequence[SentenceSupport]) -> str:
    """The answer text with verified citations written out, unsupported sentences marked."""
    out = []
    for s in sentences:
        if s.supported:
            out.append(f"{s.text.rstrip()} {' '.join(str(c) for c in s.citations)}")
        else:
            out.append(f"{UNSUPPORTED_MARK} {s.text.rstrip()} [not supported by the cited documents]")
    return " ".join(out)
