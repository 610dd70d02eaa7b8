"""Agreed language: where the same or nearly the same wording stands elsewhere in the corpus.

A delegate asks "is this agreed language?": for a paragraph (by its label) or any pasted text, this
module finds the corpus paragraphs with the same wording, whole or in part, and shows the word-level
differences. It reports similarity and differences only, never provenance: that two texts share wording
says nothing here about which came first or which was copied from which.

How: every paragraph is cut into word shingles (3 consecutive normalized words) held in an inverted
index, so a query meets only the paragraphs that share a shingle with it (no all-pairs comparison);
those few are aligned with difflib on normalized words (lower case, punctuation dropped). The alignment
is local: the run of matching blocks around the longest one, so a sentence reused inside a longer
paragraph is found, and its diff covers only the aligned stretch.

`similarity` is difflib's ratio 2*M/T over the compared word sequences (M words matched, T words in
both), from 0 (nothing shared) to 1 (the same words in the same order).

Diffs read from the corpus paragraph to the traced text: "dropped" words stand only in the corpus
paragraph, "added" words only in the traced text.

>>> from corpus.store import load_corpus
>>> index = AgreedIndex(load_corpus())
>>> trace = index.trace_reference("PP8")
>>> best = trace.matches[0]
>>> str(best.citation), best.kind.value, best.similarity
('[A/RES/73/27 ¶gap1.1]', 'identical', 1.0)
>>> render_diff(diff_words("States should cooperate in the use of ICTs", "States shall cooperate on the use of ICTs"))
'States [-should-] {+shall+} cooperate [-in-] {+on+} the use of ICTs'
>>> check = index.check_statement("Confirming that ICTs are dual-use technologies and can be used for "
...                               "both legitimate and malicious purposes. Cats like warm windowsills.")
>>> [s.agreement.value for s in check.sentences]
['verbatim', 'new']
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from corpus.records import RESOLUTION, Citation, Paragraph

if TYPE_CHECKING:
    from corpus.store import Corpus

SHINGLE = 3  # words per shingle: 3-word runs are rare enough to pick candidates, short enough to survive edits
MIN_BLOCK = 3  # matching blocks shorter than a shingle ("of the") do not anchor an alignment
MAX_GAP = 8  # words of difference allowed between two matching blocks of one aligned stretch
MAX_CANDIDATES = 40  # paragraphs aligned per query, those sharing the most shingles
COMMON_SHINGLE_SHARE = 0.2  # in a large corpus, shingles in more than this share of paragraphs pick no one
COMMON_SHINGLE_FLOOR = 50  # ...but only past this many paragraphs (with ~140, every shingle counts)
MIN_WORDS = 4  # texts shorter than this are not traced: too short to be "language"
DIFF_CONTEXT = 5  # unchanged words kept either side of a change in terminal diffs
# Thresholds, chosen on this corpus (135 paragraphs, every pair and every aligned stretch listed once):
# whole-paragraph rewordings (the draft's preamble vs A/RES/73/27 and A/RES/73/266, PP16 vs A/70/174
# para. 26) score 0.86-0.99; the next pairs down (0.75 and less) are a heading that stands inside a longer
# paragraph (found as PARTIAL instead) and the boilerplate of transmittal notes. 0.8 sits in that gap.
NEAR_RATIO = 0.8  # whole texts this similar are a NEAR match; a sentence this similar is "near" agreed language
# A PARTIAL match (one text's wording inside a longer one) aligns at least MIN_PARTIAL_WORDS words covering
# PARTIAL_COVERAGE of the shorter text. Aligned stretches of 9 words and fewer are stock phrases found in
# a dozen paragraphs ("an open, secure, stable, accessible and peaceful ICT environment"); from 10 words
# they are reused clauses, sentences and the full names of bodies, which are the same wording too.
MIN_PARTIAL_WORDS = 10
PARTIAL_COVERAGE = 0.4
# Aligned stretches of 10+ words score either >= 0.81 (a list of resolutions re-cited with one added) or
# <= 0.64 (two clauses sharing a run of words and nothing more).
PARTIAL_RATIO = 0.8  # similarity of the aligned stretches for a PARTIAL match

WORD = re.compile(r"\w+(?:[-'’]\w+)*")
# A sentence ends at . ! ? (and any closing quote) before a capital or digit; the ";" between the clauses
# of a UN paragraph does not end one.
SENTENCE_END = re.compile(r"(?<=[.!?])([\"”’)]*)\s+(?=[\"“(]?[A-Z0-9])")
ABBREVIATION = re.compile(r"(?:\b(?:para|paras|No|Nos|Rev|Add|Corr|e\.g|i\.e|U\.N|art|arts|Mr|Ms|Dr|St|vol|chap|sect)|\b[A-Z])\.$")


class MatchKind(str, Enum):
    IDENTICAL = "identical"  # the same words in the same order (case and punctuation aside)
    NEAR = "near"  # the whole texts are similar (similarity >= NEAR_RATIO)
    PARTIAL = "partial"  # a stretch of one stands, the same or nearly, inside the other (a sentence, a clause)


class ChangeKind(str, Enum):
    SAME = "same"
    DROPPED = "dropped"  # words only in the corpus paragraph
    ADDED = "added"  # words only in the traced text
    CHANGED = "changed"  # corpus words replaced by other words in the traced text


class Agreement(str, Enum):
    VERBATIM = "verbatim"  # the sentence stands word for word in a corpus paragraph
    NEAR = "near"  # a corpus paragraph holds nearly the same wording (see the diff)
    NEW = "new"  # no corpus paragraph holds wording like it


@dataclass(frozen=True)
class WordChange:
    """One step of a word-level diff: corpus words -> traced-text words."""

    kind: ChangeKind
    corpus_words: tuple[str, ...]
    text_words: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    """A corpus paragraph whose wording is the same as, near, or partly the same as the traced text."""

    citation: Citation
    kind: MatchKind
    similarity: float  # difflib ratio 2*M/T of the compared word sequences, rounded to 3 places
    corpus_wording: str  # the compared stretch of the corpus paragraph, as printed (all of it unless PARTIAL)
    text_wording: str  # the compared stretch of the traced text
    corpus_coverage: float  # share of the corpus paragraph's words in the compared stretch
    text_coverage: float  # share of the traced text's words in the compared stretch
    diff: tuple[WordChange, ...]

    @property
    def word_for_word(self) -> bool:
        return all(c.kind is ChangeKind.SAME for c in self.diff)


@dataclass(frozen=True)
class Trace:
    text: str
    source: Citation | None  # the traced paragraph, when traced by reference
    matches: tuple[Match, ...]


@dataclass(frozen=True)
class SentenceCheck:
    sentence: str
    agreement: Agreement
    closest: Match | None  # the closest corpus wording, compared with the whole sentence
    also: tuple[Citation, ...] = ()  # other paragraphs with wording just as close


@dataclass(frozen=True)
class StatementCheck:
    sentences: tuple[SentenceCheck, ...]


class NotAParagraph(LookupError):
    """The reference names a whole document or nothing the corpus has."""


@dataclass(frozen=True)
class _Words:
    """A text's words: normalized for comparison, with their character spans for quoting."""

    text: str
    norm: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, text: str) -> "_Words":
        found = list(WORD.finditer(text))
        return cls(text, tuple(m.group(0).lower().replace("’", "'") for m in found), tuple(m.span() for m in found))

    def original(self, start: int, end: int) -> tuple[str, ...]:
        return tuple(self.text[a:b] for a, b in self.spans[start:end])

    def quote(self, start: int, end: int) -> str:
        if start >= end:
            return ""
        return " ".join(self.text[self.spans[start][0]: self.spans[end - 1][1]].split())

    def shingles(self) -> set[tuple[str, ...]]:
        n = self.norm
        return {n[i: i + SHINGLE] for i in range(len(n) - SHINGLE + 1)}


def diff_words(corpus_text: str, text: str) -> tuple[WordChange, ...]:
    """The word-level diff from a corpus text to another text (case and punctuation aside)."""
    a, b = _Words.of(corpus_text), _Words.of(text)
    return _diff(a, 0, len(a.norm), b, 0, len(b.norm))


def _diff(a: _Words, a0: int, a1: int, b: _Words, b0: int, b1: int) -> tuple[WordChange, ...]:
    matcher = difflib.SequenceMatcher(None, a.norm[a0:a1], b.norm[b0:b1], autojunk=False)
    kinds = {"equal": ChangeKind.SAME, "delete": ChangeKind.DROPPED, "insert": ChangeKind.ADDED,
             "replace": ChangeKind.CHANGED}
    return tuple(WordChange(kinds[op], a.original(a0 + i1, a0 + i2), b.original(b0 + j1, b0 + j2))
                 for op, i1, i2, j1, j2 in matcher.get_opcodes())


def render_diff(diff: tuple[WordChange, ...], context: int | None = None) -> str:
    """The diff as text: [-corpus words-] {+traced-text words+}, a change as both. With `context`, a
    long run of unchanged words keeps only that many words next to each change ("...").

    >>> render_diff(diff_words("one two three four five six", "one two three four five seven"), context=2)
    '... four five [-six-] {+seven+}'
    """
    marks = {ChangeKind.DROPPED: "[-{old}-]", ChangeKind.ADDED: "{{+{new}+}}", ChangeKind.CHANGED: "[-{old}-] {{+{new}+}}"}
    return " ".join(" ".join(c.text_words) if c.kind is ChangeKind.SAME
                    else marks[c.kind].format(old=" ".join(c.corpus_words), new=" ".join(c.text_words))
                    for c in trim_unchanged(diff, context, "..."))


def trim_unchanged(diff: tuple[WordChange, ...], context: int | None, ellipsis: str) -> list[WordChange]:
    """The diff with each long run of unchanged words cut to `context` words next to each change, the cut
    shown as `ellipsis` (context None: nothing is cut)."""
    out = []
    for n, change in enumerate(diff):
        words = list(change.text_words)
        if change.kind is ChangeKind.SAME and context is not None:
            head = words[:context] if n > 0 else []
            tail = words[-context:] if context and n < len(diff) - 1 else []
            if len(words) > len(head) + len(tail) + 1:
                words = [*head, ellipsis, *tail]
                change = WordChange(ChangeKind.SAME, tuple(words), tuple(words))
        out.append(change)
    return out


def split_sentences(text: str) -> list[str]:
    """A draft's sentences: at . ! ? before a capital (not after "para." or "No."), and at blank lines.

    >>> split_sentences('We recall para. 3 of "the text." It says much.\\n\\nA new point')
    ['We recall para. 3 of "the text."', 'It says much.', 'A new point']
    """
    sentences = []
    for block in re.split(r"\n\s*\n", text):
        block = " ".join(block.split())
        start = 0
        for m in SENTENCE_END.finditer(block):
            piece = block[start: m.start() + len(m.group(1))].strip()
            if piece and not ABBREVIATION.search(piece.rstrip("\"”’)")):
                sentences.append(piece)
                start = m.end()
        if block[start:].strip():
            sentences.append(block[start:].strip())
    return sentences


def _aligned_stretch(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[int, int, int, int] | None:
    """(a0, a1, b0, b1): the run of matching blocks around the longest one, gaps of at most MAX_GAP."""
    blocks = [m for m in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
              if m.size >= MIN_BLOCK]
    if not blocks:
        return None
    best = max(range(len(blocks)), key=lambda i: blocks[i].size)
    lo = hi = best
    while lo > 0 and blocks[lo].a - (blocks[lo - 1].a + blocks[lo - 1].size) <= MAX_GAP \
            and blocks[lo].b - (blocks[lo - 1].b + blocks[lo - 1].size) <= MAX_GAP:
        lo -= 1
    while hi + 1 < len(blocks) and blocks[hi + 1].a - (blocks[hi].a + blocks[hi].size) <= MAX_GAP \
            and blocks[hi + 1].b - (blocks[hi].b + blocks[hi].size) <= MAX_GAP:
        hi += 1
    return blocks[lo].a, blocks[hi].a + blocks[hi].size, blocks[lo].b, blocks[hi].b + blocks[hi].size


def _ratio(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


class AgreedIndex:
    """The corpus paragraphs' word shingles, for finding the same or near wording fast.

    Front matter is left out: a header is not negotiated language. Build once per corpus version.
    """

    def __init__(self, corpus: "Corpus"):
        self.corpus = corpus
        self.paragraphs: list[Paragraph] = [p for p in corpus.paragraphs() if p.kind != "header"]
        self.words = [_Words.of(p.text) for p in self.paragraphs]
        postings: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for i, words in enumerate(self.words):
            for shingle in words.shingles():
                postings[shingle].append(i)
        n = len(self.paragraphs)
        cap = n if n <= COMMON_SHINGLE_FLOOR else max(COMMON_SHINGLE_FLOOR, int(COMMON_SHINGLE_SHARE * n))
        self.postings = {s: ids for s, ids in postings.items() if len(ids) <= cap}
        self._same: dict[Citation, tuple[Citation, ...]] = {}

    def _candidates(self, words: _Words, exclude: Citation | None) -> list[int]:
        shared = Counter(i for s in words.shingles() for i in self.postings.get(s, ()))
        ranked = [i for i, _ in shared.most_common() if self.paragraphs[i].citation != exclude]
        return ranked[:MAX_CANDIDATES]

    def _compare(self, i: int, q: _Words, whole_text: bool) -> Match | None:
        """Match of paragraph i with the query, or None. `whole_text`: compare all of the query with the
        aligned stretch of the paragraph (a delegate's sentence is judged as a whole)."""
        o = self.words[i]
        citation = self.paragraphs[i].citation
        if q.norm == o.norm:
            return Match(citation, MatchKind.IDENTICAL, 1.0, o.quote(0, len(o.norm)), q.quote(0, len(q.norm)),
                         1.0, 1.0, _diff(o, 0, len(o.norm), q, 0, len(q.norm)))
        whole = _ratio(o.norm, q.norm)
        if whole >= NEAR_RATIO:
            return self._match(citation, MatchKind.NEAR, whole, o, 0, len(o.norm), q, 0, len(q.norm))
        stretch = _aligned_stretch(q.norm, o.norm)
        if stretch is None:
            return None
        q0, q1, o0, o1 = stretch
        if whole_text:
            q0, q1 = 0, len(q.norm)
        aligned = min(q1 - q0, o1 - o0)
        if aligned < MIN_PARTIAL_WORDS or aligned < PARTIAL_COVERAGE * min(len(q.norm), len(o.norm)):
            return None
        similarity = _ratio(o.norm[o0:o1], q.norm[q0:q1])
        if similarity < (NEAR_RATIO if whole_text else PARTIAL_RATIO):
            return None
        return self._match(citation, MatchKind.PARTIAL, similarity, o, o0, o1, q, q0, q1)

    @staticmethod
    def _match(citation: Citation, kind: MatchKind, similarity: float, o: _Words, o0: int, o1: int,
               q: _Words, q0: int, q1: int) -> Match:
        return Match(citation, kind, round(similarity, 3), o.quote(o0, o1), q.quote(q0, q1),
                     round((o1 - o0) / len(o.norm), 3), round((q1 - q0) / len(q.norm), 3),
                     _diff(o, o0, o1, q, q0, q1))

    def matches(self, text: str, exclude: Citation | None = None, limit: int = 10,
                whole_text: bool = False) -> tuple[Match, ...]:
        """The corpus paragraphs with the same, near or partly the same wording as `text`, best first."""
        q = _Words.of(text)
        if len(q.norm) < MIN_WORDS:
            return ()
        found = [m for i in self._candidates(q, exclude) if (m := self._compare(i, q, whole_text))]
        order = {MatchKind.IDENTICAL: 0, MatchKind.NEAR: 1, MatchKind.PARTIAL: 2}
        found.sort(key=lambda m: (order[m.kind], -m.similarity, -m.text_coverage, m.citation.key))
        return tuple(found[:limit])

    def same_wording(self, paragraph: Paragraph) -> tuple[Citation, ...]:
        """The other paragraphs whose whole wording is the same or near (IDENTICAL or NEAR): the draft's
        preambular paragraphs and the adopted text's, a paragraph repeated from an earlier resolution.

        >>> index = AgreedIndex(load_corpus())                                     # doctest: +SKIP
        >>> index.same_wording(index.corpus.get("A/C.1/73/L.27/Rev.1", "PP8"))     # doctest: +SKIP
        (Citation(symbol='A/RES/73/27', label='gap1.1'),)
        """
        if paragraph.citation not in self._same:
            self._same[paragraph.citation] = tuple(
                m.citation for m in self.matches(paragraph.text, exclude=paragraph.citation)
                if m.kind in (MatchKind.IDENTICAL, MatchKind.NEAR))
        return self._same[paragraph.citation]

    def trace(self, text: str, limit: int = 10) -> Trace:
        """Where pasted text's wording stands in the corpus."""
        return Trace(text, None, self.matches(text, limit=limit))

    def trace_reference(self, reference: str, limit: int = 10) -> Trace:
        """Where a paragraph's wording ("PP8", "1.6", "A/70/174 ¶26") stands elsewhere in the corpus."""
        from corpus.lookup import UnknownReference, resolve

        try:
            paragraph = resolve(reference, self.corpus, RESOLUTION).paragraph
        except UnknownReference as error:
            raise NotAParagraph(str(error)) from None
        if paragraph is None:
            raise NotAParagraph(f"'{reference}' names a document, not a paragraph; trace e.g. 'PP8' or 'A/70/174 ¶26'")
        return Trace(paragraph.text, paragraph.citation,
                     self.matches(paragraph.text, exclude=paragraph.citation, limit=limit))

    def check_statement(self, text: str) -> StatementCheck:
        """Each sentence of a draft with its closest agreed language: verbatim, near (with the diff) or new."""
        checks = []
        for sentence in split_sentences(text):
            found = self.matches(sentence, limit=MAX_CANDIDATES, whole_text=True)
            closest = found[0] if found else None
            also = tuple(m.citation for m in found[1:] if m.similarity == closest.similarity)
            if closest is None:
                agreement = Agreement.NEW
            elif closest.word_for_word and closest.text_coverage == 1.0:
                agreement = Agreement.VERBATIM
            else:
                agreement = Agreement.NEAR
            checks.append(SentenceCheck(sentence, agreement, closest, also))
        return StatementCheck(tuple(checks))


# --- output -----------------------------------------------------------------------------------------

def match_json(match: Match) -> dict:
    return {"citation": str(match.citation), "symbol": match.citation.symbol, "label": match.citation.label,
            "kind": match.kind.value, "similarity": match.similarity, "word_for_word": match.word_for_word,
            "corpus_wording": match.corpus_wording, "text_wording": match.text_wording,
            "corpus_coverage": match.corpus_coverage, "text_coverage": match.text_coverage,
            "diff": [{"kind": c.kind.value, "corpus_words": list(c.corpus_words), "text_words": list(c.text_words)}
                     for c in match.diff if c.kind is not ChangeKind.SAME],
            "diff_text": render_diff(match.diff)}


def trace_json(trace: Trace) -> dict:
    return {"source": str(trace.source) if trace.source else None, "text": trace.text,
            "similarity": "difflib ratio 2*M/T over normalized words (lower case, punctuation dropped)",
            "matches": [match_json(m) for m in trace.matches]}


def check_json(check: StatementCheck) -> dict:
    return {"sentences": [{"sentence": s.sentence, "agreement": s.agreement.value,
                           "closest": match_json(s.closest) if s.closest else None,
                           "also": [str(c) for c in s.also]} for s in check.sentences]}


def _match_lines(match: Match, indent: str = "  ") -> list[str]:
    head = f"{match.citation}  {match.kind.value}, similarity {match.similarity:.2f}"
    if match.kind is MatchKind.PARTIAL:
        head += f" (compared: {match.text_coverage:.0%} of the text, {match.corpus_coverage:.0%} of the paragraph)"
    lines = [head, f"{indent}{match.corpus_wording}"]
    if not match.word_for_word:
        lines.append(f"{indent}diff: {render_diff(match.diff, context=DIFF_CONTEXT)}")
    return lines


def render_trace(trace: Trace) -> str:
    """A trace for the terminal: what was traced, then each match with its diff."""
    what = f"{trace.source}" if trace.source else "the text"
    lines = [f"Wording of {what}: {' '.join(trace.text.split())}", ""]
    if not trace.matches:
        return "\n".join(lines + ["No paragraph of the corpus has the same or nearly the same wording."])
    lines.append(f"{len(trace.matches)} paragraph(s) with the same or similar wording "
                 "(similarity only; no claim about which text came first):")
    for n, match in enumerate(trace.matches, 1):
        first, *rest = _match_lines(match, "     ")
        lines += [f"{n:>2}. {first}", *rest]
    lines.append("")
    lines.append("diff: [-only in the corpus paragraph-] {+only in the traced text+}")
    return "\n".join(lines)


def render_check(check: StatementCheck) -> str:
    """A statement check for the terminal: each sentence, its verdict, the closest wording and diff."""
    names = {Agreement.VERBATIM: "word for word", Agreement.NEAR: "nearly", Agreement.NEW: "no agreed language found"}
    lines = []
    for n, s in enumerate(check.sentences, 1):
        lines.append(f"{n}. {s.sentence}")
        lines.append(f"   -> {names[s.agreement]}" + (f": {s.closest.citation}, similarity {s.closest.similarity:.2f}"
                                                       if s.closest else "")
                     + (f" (also {', '.join(str(c) for c in s.also)})" if s.also else ""))
        if s.closest and s.agreement is not Agreement.VERBATIM:
            lines.append(f"      {s.closest.corpus_wording}")
            lines.append(f"      diff: {render_diff(s.closest.diff, context=DIFF_CONTEXT)}")
        lines.append("")
    counts = Counter(s.agreement for s in check.sentences)
    lines.append(f"{len(check.sentences)} sentence(s): {counts[Agreement.VERBATIM]} word for word, "
                 f"{counts[Agreement.NEAR]} nearly, {counts[Agreement.NEW]} not found. "
                 "diff: [-only in the corpus-] {+only in the draft+}")
    return "\n".join(lines)
