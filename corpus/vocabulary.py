"""The documents' own terms for the everyday words a user types (corpus/vocabulary.toml).

Users ask about "kill switches" and "false flags"; the documents say "harmful hidden functions" and
"the identity of the perpetrator". The glossary maps such everyday phrases to the documents' wording;
search adds those words to the question (query expansion with a thesaurus), so BM25 and the encoder
see the words the paragraph uses. It was written from the document texts alone, without any evaluation
question (see its header); tests/test_vocabulary.py checks that every `documents` phrase stands in a
paragraph its entry names and that no `everyday` phrase is one the documents use.

>>> vocabulary = Vocabulary([Bridge(("kill switch", "kill switches"), ("harmful hidden functions",), ())])
>>> vocabulary.terms_for("Does the draft say anything about Kill-Switches in routers?")
('harmful hidden functions',)
>>> vocabulary.expand("What does norm 1.9 say?")
'What does norm 1.9 say?'
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

GLOSSARY = Path(__file__).resolve().parent / "vocabulary.toml"


@dataclass(frozen=True)
class Bridge:
    """Everyday phrases (lower case) and the documents' words for the same thing."""

    everyday: tuple[str, ...]
    documents: tuple[str, ...]
    where: tuple[str, ...]  # citation keys of paragraphs holding `documents`, for the reader and the test


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A whole-word, case-blind match in which a space or hyphen matches either ("hack-back", "hack back").

    >>> bool(phrase_pattern("zero-day").search("Are zero day exploits covered?"))
    True
    >>> bool(phrase_pattern("cert").search("a certificate"))
    False
    """
    words = re.split(r"[\s-]+", phrase.strip())
    return re.compile(r"(?<!\w)" + r"[\s-]+".join(map(re.escape, words)) + r"(?!\w)", re.I)


class Vocabulary:
    """The glossary, compiled once: the documents' terms a text's everyday phrases stand for."""

    def __init__(self, bridges: list[Bridge]) -> None:
        self.bridges = bridges
        self._patterns = [(bridge, [phrase_pattern(p) for p in bridge.everyday]) for bridge in bridges]

    def terms_for(self, text: str) -> tuple[str, ...]:
        """The documents' terms for every everyday phrase in `text`, in glossary order, once each."""
        terms: dict[str, None] = {}
        for bridge, patterns in self._patterns:
            if any(p.search(text) for p in patterns):
                terms.update(dict.fromkeys(bridge.documents))
        return tuple(terms)

    def expand(self, query: str) -> str:
        """The query followed by the documents' terms for its everyday phrases (unchanged if none).

        >>> Vocabulary([Bridge(("ddos",), ("disruption", "disruptive activities"), ())]).expand("Is a DDoS covered?")
        'Is a DDoS covered? (disruption; disruptive activities)'
        """
        terms = self.terms_for(query)
        return f"{query} ({'; '.join(terms)})" if terms else query


@cache
def load_vocabulary(path: Path = GLOSSARY) -> Vocabulary:
    """The shipped glossary (a TOML file of `[[entry]]` tables: everyday, documents, where)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return Vocabulary([Bridge(tuple(e["everyday"]), tuple(e["documents"]),
                              tuple(k.strip() for k in e.get("where", "").split(",") if k.strip()))
                       for e in data.get("entry", [])])
