"""The normative weight of a paragraph: preambular "Noting" reads differently from operative "Decides".

>>> from corpus.store import load_corpus
>>> corpus = load_corpus()
>>> weight(corpus.get("A/C.1/73/L.27/Rev.1", "1.6"), corpus)
'operative, listed under ¶1 "Welcomes"'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from corpus.records import Paragraph

if TYPE_CHECKING:
    from corpus.store import Corpus


def parent_of(paragraph: Paragraph, corpus: "Corpus") -> Paragraph | None:
    """The chapeau a sub-item hangs from: 1 for 1.6, 4 for 4(c)."""
    label = paragraph.label
    parent = label.split("(")[0] if "(" in label else (label.rsplit(".", 1)[0] if "." in label and not label.startswith("gap") else None)
    return corpus.get(paragraph.symbol, parent) if parent else None


def weight(paragraph: Paragraph, corpus: "Corpus") -> str:
    """The paragraph's normative weight in words: 'operative, "Decides"', 'operative 1.6 under "Welcomes"'."""
    if paragraph.kind in ("preambular", "operative"):
        phrase = paragraph.phrase
        parent = parent_of(paragraph, corpus)
        if not phrase and parent and parent.phrase:
            return f'{paragraph.kind}, listed under ¶{parent.label} "{parent.phrase}"'
        return f'{paragraph.kind}, "{phrase}"' if phrase else paragraph.kind
    return paragraph.kind


def describe(paragraph: Paragraph, corpus: "Corpus") -> str:
    """Where a paragraph stands and what weight it carries, as an answer names it.

    >>> from corpus.store import load_corpus
    >>> corpus = load_corpus()
    >>> describe(corpus.get("A/C.1/73/L.27/Rev.1", "6"), corpus)
    'operative paragraph 6 ("Also decides")'
    """
    if paragraph.kind not in ("preambular", "operative"):
        return paragraph.kind_name
    if paragraph.phrase:
        return f'{paragraph.kind_name} ("{paragraph.phrase}")'
    parent = parent_of(paragraph, corpus)
    if parent and parent.phrase:
        return f'{paragraph.kind_name} (listed under ¶{parent.label}, "{parent.phrase}")'
    return paragraph.kind_name
