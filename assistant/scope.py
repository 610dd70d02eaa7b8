"""The documents a question is about, decided once, before retrieval.

Several documents share wording (the adopted A/RES/73/27 repeats the draft's preambular paragraphs
word for word; two draft resolutions both list sponsors in their front matter), so "Who sponsors this
draft?" searched over everything could be answered from another draft's header: a wrong citation a
delegate would repeat. The scope, first match wins:

1. documents the question names (a symbol, "resolution 73/266", "the 2015 GGE report"), plus the
   resolution when it also says "the draft resolution" or "this resolution";
2. "the resolution", "this draft", "the draft resolution", "the text" alone: A/C.1/73/L.27/Rev.1;
3. a follow-up ("And when?", "What about its mandate?") that names nothing: the previous question's;
4. otherwise every document (None).

The user's own choice ("Search only in" in the app, `--doc`) overrides it (Assistant.stream).

>>> from corpus.store import load_corpus
>>> corpus = load_corpus()
>>> question_scope("Who are the sponsors of this draft resolution?", corpus)
('A/C.1/73/L.27/Rev.1',)
>>> question_scope("What does the 2015 GGE report say about attribution?", corpus)
('A/70/174',)
>>> question_scope("Does the draft resolution welcome the 2015 GGE report?", corpus)
('A/70/174', 'A/C.1/73/L.27/Rev.1')
>>> question_scope("Which resolution recommended the norms?", corpus) is None
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant.question import is_follow_up
from corpus.lookup import ALIASES
from corpus.records import RESOLUTION
from corpus.refs import find_references

if TYPE_CHECKING:
    from corpus.store import Corpus

# "the resolution", "this draft", "the present draft resolution", "our text": the document being asked about.
THIS_RESOLUTION = re.compile(r"\b(?:this|the|our|that|present)\s+(?:(?:present|revised|current)\s+)?"
                             r"(?:draft\s+resolution|draft|resolution)\b(?!\s*\d)", re.I)
THE_TEXT = re.compile(r"\b(?:this|the)\s+text\b", re.I)
ALIAS = [(re.compile(rf"\b{pattern}\b", re.I), symbol) for pattern, symbol in ALIASES.items()]


def named_documents(question: str, corpus: Corpus) -> list[str]:
    """The documents of the corpus the question names, in order."""
    named = [r.symbol for r in find_references(question)]
    named += [symbol for pattern, symbol in ALIAS if pattern.search(question)]
    return [s for s in dict.fromkeys(named) if corpus.document(s) is not None]


def question_scope(question: str, corpus: Corpus, history: Sequence[tuple[str, str]] = ()) -> tuple[str, ...] | None:
    """The symbols retrieval is restricted to, or None for every document (see the module docstring)."""
    named = named_documents(question, corpus)
    this_resolution = bool(THIS_RESOLUTION.search(question))
    if named:
        return tuple(sorted({*named, *([RESOLUTION] if this_resolution else [])}))
    if this_resolution or THE_TEXT.search(question):
        return (RESOLUTION,)
    if history and is_follow_up(question):
        return question_scope(history[-1][0], corpus, history[:-1])
    return None
