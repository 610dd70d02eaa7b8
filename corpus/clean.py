"""Repairs of text as a PDF-to-text tool gives it: page furniture, footnote marks, split words.

Every repair is conservative: a change is made only where the pattern cannot be real wording
(a line that is only a URL, a digit that is a known footnote number glued to a year, a fragment that
is not an English word joined to its neighbour to make one).
"""

from __future__ import annotations

import re
from functools import lru_cache

# A page line as UN documents print it: "18-17859 2/5" or "3/5 18-17859".
PAGE_LINE = re.compile(r"^(?:\d{2}-\d{5}\s+(\d+)/\d+|(\d+)/\d+\s+\d{2}-\d{5})$")
JOB_NUMBER = re.compile(r"^\d{2}-\d{5}\s*\([A-Z]\)(\s+\d{6})?\s*$")
BARCODE = re.compile(r"^\*\d{5,}\*$")
URL_LINE = re.compile(r"^(?:https?://|www\.)\S+$")
FOOTNOTE_RULE = re.compile(r"^_{5,}$")
SYMBOL_LINE = re.compile(r"^A/[A-Z0-9.]+(?:/[A-Za-z0-9.]+)+$")
PLEASE_RECYCLE = re.compile(r"^Please recycle\b", re.I)


def page_number(line: str) -> int | None:
    """The page a page line announces: `page_number("18-17859 2/5") == 2`."""
    match = PAGE_LINE.match(line.strip())
    if not match:
        return None
    return int(match.group(1) or match.group(2))


def is_furniture(line: str) -> bool:
    """Running heads, page lines, job numbers, barcodes and hyperlink lists: never document text."""
    s = line.strip()
    return bool(
        PAGE_LINE.match(s) or JOB_NUMBER.match(s) or BARCODE.match(s) or URL_LINE.match(s)
        or SYMBOL_LINE.match(s) or PLEASE_RECYCLE.match(s)
    )


def join_lines(lines: list[str]) -> str:
    """Re-join wrapped lines into one paragraph.

    A line ending in a hyphen is a compound broken at the line end ("Secretary -" + "General"):
    UN documents do not hyphenate words across lines, so the hyphen is kept and no space is added.
    """
    text = ""
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            continue
        if text.endswith("-"):
            text = re.sub(r"\s+-$", "-", text) + line
        else:
            text = f"{text} {line}" if text else line
    # "confidence -building" -> "confidence-building"; a spaced dash " - " is left alone.
    text = re.sub(r"(?<=\w) -(?=\w)", "-", text)
    # Stray space before punctuation: "community ." -> "community."
    return re.sub(r"\s+([,;:.])(?=\s|$)", r"\1", text)


YEAR_WITH_MARK = re.compile(r"\b((?:19|20)\d\d)(\d{1,2})\b")
YEAR_THEN_MARK = re.compile(r"\b((?:19|20)\d\d) (\d{1,2})\b(?=\s*(?:and|or|,|;|\.|$|[a-z]))")
PUNCT_MARK = re.compile(r"([,;:.”)])\s?(\d{1,2})(?=\s+[a-z(]|\s*$|\s+[A-Z][a-z])")
WORD_MARK = re.compile(r"(?<=[a-z])(\d{1,2})(?=[\s,;.]|$)")


def strip_footnote_marks(text: str, numbers: set[int]) -> tuple[str, list[int]]:
    """Remove footnote reference marks, returning the clean text and the marks found, in order.

    Only numbers that are footnotes of this document count, so "paragraph 3 above" stays.

    >>> strip_footnote_marks("in its 2013 3 and 20152 reports, 2 identified", {2, 3})
    ('in its 2013 and 2015 reports, identified', [3, 2, 2])
    """
    found: list[tuple[int, int]] = []

    def take(match: re.Match, keep: str, mark_group: int) -> str:
        mark = int(match.group(mark_group))
        if mark not in numbers:
            return match.group(0)
        found.append((match.start(), mark))
        return keep

    text = YEAR_WITH_MARK.sub(lambda m: take(m, m.group(1), 2), text)
    text = YEAR_THEN_MARK.sub(lambda m: take(m, m.group(1), 2), text)
    text = PUNCT_MARK.sub(lambda m: take(m, m.group(1), 2), text)
    text = WORD_MARK.sub(lambda m: take(m, "", 1), text)
    text = re.sub(r"\s{2,}", " ", text).strip()
    text = re.sub(r"\s+([,;:.])", r"\1", text)
    # Positions shift between passes, but each pass is left to right and passes rarely overlap in a
    # paragraph; order by position is good enough to list the marks once each.
    marks = [mark for _, mark in sorted(found)]
    return text, marks


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    from english_words import get_english_words_set

    words = get_english_words_set(["web2", "gcide"], lower=True, alpha=True)
    # Single letters are in the word lists but are never words in this prose, except "a" and "i".
    return frozenset(w for w in words if len(w) > 1 or w in {"a", "i"})


def repair_split_words(text: str, extra_words: frozenset[str] = frozenset()) -> str:
    """Join a word that extraction split in two ("o f" -> "of", "consul tative" -> "consultative").

    Two tokens are joined only when the join is an English word and one of them is not, so two real
    words ("in to") are never merged.
    """
    vocabulary = english_words() | extra_words if extra_words else english_words()  # the union costs ~8 ms a call
    tokens = text.split(" ")
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if i + 1 < len(tokens):
            left, right = tokens[i], tokens[i + 1]
            left_core = re.sub(r"^\W+", "", left)
            right_core = re.sub(r"\W+$", "", right)
            joined = (left_core + right_core).lower()
            if (
                left_core.isalpha() and right_core.isalpha() and right_core.islower()
                and joined in vocabulary
                and (left_core.lower() not in vocabulary or right_core.lower() not in vocabulary)
            ):
                out.append(left + right)
                i += 2
                continue
        out.append(tokens[i])
        i += 1
    return " ".join(out)
