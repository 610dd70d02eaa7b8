"""The passages the model is given: which of the retrieved, labelled how, cut to the word budget.

>>> from corpus.store import load_corpus
>>> corpus = load_corpus()
>>> prompt_label(corpus.get("A/C.1/73/L.27/Rev.1", "1.6")), prompt_label(corpus.get("A/70/174", "26"))
('[¶1.6]', '[A/70/174 ¶26]')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant import prompts
from assistant.stages import Found
from assistant.support import content_words
from corpus.records import RESOLUTION, Paragraph
from corpus.weight import weight

if TYPE_CHECKING:
    from corpus.store import Corpus

PASSAGE_SHARE = 0.6  # a passage goes into the prompt if its fused score is at least this share of the best


def prompt_passages(found: Sequence[Found]) -> list[Paragraph]:
    """The retrieved paragraphs that go into the prompt: those scoring at least PASSAGE_SHARE of the best.
    Passages far below the best add prompt tokens (reading them is most of the time to first token on a
    CPU) and distract a small model; a question that spans paragraphs keeps the several close ones."""
    return [f.paragraph for f in found if f.score >= PASSAGE_SHARE * found[0].score]


def prompt_label(paragraph: Paragraph) -> str:
    """The label a passage carries in the prompt: the resolution's own paragraphs go by their bare label
    ([¶1.6]; its long symbol costs ~20 prompt tokens a passage), other documents' by their full citation."""
    return f"[¶{paragraph.label}]" if paragraph.symbol == RESOLUTION else str(paragraph.citation)


def passages_text(given: Sequence[Paragraph], question: str, corpus: "Corpus", budget: int) -> str:
    """The prompt's passages: real labels, weight, and the text (long ones cut to what matters)."""
    blocks = []
    for paragraph in given:
        if budget > 40:
            text = fit(paragraph.text, question, max(60, budget // 2) if len(given) > 1 else budget)
        elif len(paragraph.text.split()) <= budget:  # spent: only a short one still fits (a footnote)
            text = paragraph.text
        else:
            continue
        budget -= len(text.split())
        blocks.append(prompts.PASSAGE.format(label=prompt_label(paragraph), weight=weight(paragraph, corpus), text=text))
    return "\n\n".join(blocks)


def fit(text: str, question: str, words: int) -> str:
    """The paragraph, or if longer than `words`, its sentences/clauses that share most with the question.

    >>> fit("One two. Three four about proxies. Five six.", "proxies", 4)
    'Three four about proxies.'
    """
    if len(text.split()) <= words:
        return text
    pieces = re.split(r"(?<=[.;:])\s+", text)
    wanted = content_words(question)
    ranked = sorted(range(len(pieces)), key=lambda i: -len(content_words(pieces[i]) & wanted))
    keep, used = set(), 0
    for i in ranked:
        n = len(pieces[i].split())
        if used + n > words and keep:
            continue
        keep.add(i)
        used += n
    return " … ".join(pieces[i] for i in sorted(keep))
