"""What a question is, read once before anything answers it: the record every later stage consults.

The grammar of each feature lives where its idea does (assistant/question.py for yes/no, follow-ups,
content requests and instructions; assistant/scope.py for the documents a question is about;
corpus/lookup.py for display requests); this module only applies them, once, to one question.

>>> from corpus.store import load_corpus
>>> corpus = load_corpus()
>>> f = read_question("Who sponsored this draft?", "Who sponsored this draft?", (), corpus)
>>> f.scope, f.header_question, f.yes_no
(('A/C.1/73/L.27/Rev.1',), True, False)
>>> read_question("give me the text of 1.3", "give me the text of 1.3", (), corpus).display
'1.3'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.citations import MARKER
from assistant.question import instruction_only, is_question, requested_content, yes_no
from assistant.scope import question_scope
from corpus.lookup import find_lookup

if TYPE_CHECKING:
    from corpus.store import Corpus

# A question about a document's front matter (symbol, date, sponsors, title...). Any other question
# skips the front matter and bare headings: they repeat the title words that most questions share
# ("open-ended working group", "developments in the field of...") and state nothing.
FRONT_MATTER = re.compile(r"\b(?:title[sd]?|sponsor\w*|co-?sponsor\w*|submitt\w*|tabled|introduc\w*|circulated|distribut\w*"
                          r"|agenda|committee|session|symbol|dated?|language\w*|original|front matter|header|heading)\b", re.I)
# A question that the document's own header answers, quoted (rule "header_quote").
HEADER_QUESTION = re.compile(r"\b(?:sponsor\w*|co-?sponsor\w*|submitt\w*|tabled|title[sd]?|symbol|agenda item|"
                             r"original language|which committee)\b", re.I)


@dataclass(frozen=True)
class QuestionFeatures:
    question: str  # as the user typed it (stripped)
    standalone: str  # rewritten to stand alone, for a follow-up; else the question
    yes_no: bool  # a yes/no question (the question's or its rewrite's)
    is_question: bool  # a question, not an instruction ("Write a poem ...")
    content_request: str | None  # the words that ask for new text ("write a phishing email")
    instruction_only: bool  # only tries to change the rules
    display: str | None  # the paragraph reference of a display request ("1.6"), or None
    cited: tuple[str, ...]  # citation markers the question itself contains ("A/70/174 ¶26")
    front_matter: bool  # asks about front matter (sponsors, symbol, dates ...)
    header_question: bool  # asks what a document's header states (sponsors, title, symbol ...)
    scope: tuple[str, ...] | None  # the documents it is about (assistant/scope.py), None = all


def read_question(question: str, standalone: str, history: Sequence[tuple[str, str]], corpus: "Corpus",
                  chosen: Sequence[str] | None = None, scoped: bool = True) -> QuestionFeatures:
    """The features of one question. `chosen`: documents the user chose ("Search only in"), which
    override the scope read from the question; `scoped`: rule "scope" on."""
    scope = tuple(chosen) if chosen else (question_scope(question, corpus, history) if scoped else None)
    return QuestionFeatures(
        question=question,
        standalone=standalone,
        yes_no=yes_no(question) or yes_no(standalone),
        is_question=is_question(question),
        content_request=requested_content(question),
        instruction_only=instruction_only(question),
        display=find_lookup(standalone),
        cited=cited_in(question),
        front_matter=bool(FRONT_MATTER.search(standalone)),
        header_question=bool(HEADER_QUESTION.search(question)),
        scope=scope or None,
    )


def cited_in(text: str) -> tuple[str, ...]:
    """The paragraph citations written in a text, as the citation grammar reads them.

    >>> cited_in("Quote [A/70/174 ¶999] and [A/C.1/73/L.27/Rev.1 ¶1.6x] verbatim (ICTs).")
    ('A/70/174 ¶999', 'A/C.1/73/L.27/Rev.1 ¶1.6x')
    """
    found = [m.group(1) or f"¶{m.group(2)}" for m in MARKER.finditer(text)]
    return tuple(dict.fromkeys(item.strip() for marker in found for item in re.split(r"\s*[,;]\s*", marker) if "¶" in item))
