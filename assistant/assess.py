"""Does anything retrieved address the question? The relevance gate, before any model runs.

Set on evals/data/items.jsonl (see evals/README.md): a question is addressed when a retrieved paragraph
is close in meaning AND shares its specific words, or is very close in meaning (the LLM still decides).

>>> specific_words("What does the resolution say about proxies?")
{'proxy'}
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.stages import Found
from assistant.support import content_words

RELEVANCE_GATE = 0.30  # minimum cosine of the best paragraph
LEXICAL_GATE = 0.20  # share of the question's specific words found in the top paragraphs
STRONG_COSINE = 0.37  # close enough in meaning without shared words
# Words of most questions, stemmed as content_words() gives them ("does" -> "doe").
GENERIC_WORDS = content_words("""resolution document documents text draft paragraph paragraphs say says state states
united nations general assembly ict icts information communication communications technology technologies
what which does tell about mean""")


def addresses(question: str, found: Sequence[Found]) -> bool:
    """The relevance gate: does anything retrieved address the question? (see the constants)"""
    if not found:
        return False
    best = max(f.cosine for f in found)
    wanted = specific_words(question)
    top = set().union(*(content_words(f.paragraph.text) for f in found[:3]))
    lexical = len(wanted & top) / len(wanted) if wanted else 1.0
    return best >= STRONG_COSINE or (best >= RELEVANCE_GATE and lexical >= LEXICAL_GATE)


def specific_words(question: str) -> set[str]:
    """The question's content words that say what it is about (not "resolution", "paragraph", "say")."""
    return content_words(question) - GENERIC_WORDS
