"""Keyword search: BM25 (bm25s) over the same chunk texts the dense index embeds, built in memory.

The corpus is small (~140 chunks), so the index is built at start-up in milliseconds. The tokenizer
lowercases, keeps numbers and symbols whole ("1.6", "2019", "58/199", "a/res/58/199", and the
numeric tail "58/199" of a symbol as well), drops English stop words and strips common English
inflections with a small suffix stemmer of its own (bm25s stems only through PyStemmer, which is
not installed here).

>>> from embeddings.bm25 import tokenize
>>> tokenize("Resolution 58/199 protects critical infrastructures (para. 1.6)")
['resolution', '58/199', 'protect', 'critical', 'infrastructure', 'para', '1.6']
>>> index = BM25Index(chunks)                        # doctest: +SKIP
>>> index.search("critical infrastructure")[0]       # doctest: +SKIP
(41, 7.93)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from embeddings.chunks import Chunk

if TYPE_CHECKING:
    import numpy as np

TOKEN = re.compile(r"[a-z0-9]+(?:[./\-][a-z0-9]+|\([a-z0-9]{1,3}\))*")
NUMERIC_TAIL = re.compile(r"\d+(?:[./]\d+)+$|\d{2,}$")
STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be been before being below between
both but by can could did do does doing down during each few for from further had has have having he her
here hers him his how i if in into is it its itself just me more most my no nor not now of off on once only
or other our ours out over own same she should so some such than that the their theirs them then there
these they this those through to too under until up very was we were what when where which while who whom
why will with would you your yours
""".split())


def stem(word: str) -> str:
    """A light English suffix stripper: plurals, -ing, -ed, -ly, -ment(s)."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ingly", "edly", "ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # "committ(ed)" -> "commit"
            elif word.endswith(("at", "iz", "bl")):
                word += "e"  # "creat(ed)" -> "create"
            break
    if word.endswith("ly") and len(word) > 5:
        word = word[:-2]
    return word


def tokenize(text: str) -> list[str]:
    """Lowercased, stop words dropped, stemmed; numbers and symbols kept whole."""
    tokens: list[str] = []
    for raw in TOKEN.findall(text.lower().replace("’", "'")):
        raw = raw.strip("-")
        if not raw or raw in STOP_WORDS:
            continue
        if any(ch.isdigit() for ch in raw) or "/" in raw:
            tokens.append(raw)
            tail = NUMERIC_TAIL.search(raw)
            if "/" in raw and tail and tail.group(0) != raw:
                tokens.append(tail.group(0))  # "a/res/58/199" also as "58/199"
        elif "-" in raw:
            tokens += [stem(part) for part in raw.split("-") if part and part not in STOP_WORDS]
        else:
            tokens.append(stem(raw.replace(".", "")))
    return tokens


class BM25Index:
    """BM25 over chunk texts; `search` gives (chunk index, score) best first."""

    def __init__(self, chunks: Sequence[Chunk], k1: float = 1.2, b: float = 0.75) -> None:
        import bm25s

        self.chunks = list(chunks)
        self.model = bm25s.BM25(k1=k1, b=b)
        self.model.index([tokenize(c.text) or ["<empty>"] for c in self.chunks], show_progress=False)

    def scores(self, query: str) -> "np.ndarray":
        """The BM25 score of every chunk for `query` (zeros when no query word is indexed)."""
        import numpy as np

        ids = self.model.get_tokens_ids(tokenize(query))
        if not ids:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return self.model.get_scores_from_ids(ids)

    def search(self, query: str, k: int | None = None, allowed: Sequence[bool] | None = None) -> list[tuple[int, float]]:
        """(chunk index, score) of chunks that match at least one query word, best first."""
        import numpy as np

        scores = self.scores(query)
        if allowed is not None:
            scores = np.where(np.asarray(allowed, dtype=bool), scores, 0.0)
        # Only matching chunks are sorted and only k of them become Python tuples: a loop over every
        # chunk made each query O(corpus) in Python (benchmarks/bench_scale.py). Ties keep chunk order.
        matching = np.flatnonzero(scores > 0)
        order = matching[np.argsort(-scores[matching], kind="stable")]
        return [(int(i), float(scores[i])) for i in (order[:k] if k else order)]
