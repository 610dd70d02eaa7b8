"""How sure the local model is of its first word: P(NOT_IN_DOCUMENTS) when it answers, P(YES) when it judges.

Both are read from the logits of the first generated token, with no generation beyond it, so a
decision can keep a margin from the point where greedy decoding flips (where another CPU's rounding
decides): see `JudgeProbe` and `Settings.judge_yes_min`.

The 1.5B model hesitates between the refusal and an answer on questions in everyday words ("Is it OK
for a government to hire hacker groups?", which ¶1.3 on proxies answers). On the eval items, 15 of
the 16 answerable questions it refused had a refusal probability of 0.19-0.70, and 3 of the 5
unanswerable ones 0.82-0.92 (evals/README.md, "Refusals"). Forcing it to answer instead gave "Yes, <the
question restated>", often wrong, so the chain does not: a hesitant refusal quotes the closest
paragraphs it was given, verbatim, after "The documents do not answer this in so many words"
(`Assistant.stream`), and a sure one stands.

A llama.cpp logits processor that looks at the first generated token and changes nothing:

>>> probe = RefusalProbe(llama)                                                # doctest: +SKIP
>>> llama.create_chat_completion(messages, logits_processor=probe.processors())  # doctest: +SKIP
>>> probe.probability                                                          # doctest: +SKIP
0.52
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from assistant.prompts import NOT_IN_DOCUMENTS

_VOCABULARY: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()


def _vocabulary(llama: Any) -> list[str]:
    """Every token's text, upper-cased, without leading spaces or underscores (~0.8 s for Qwen2.5's
    151,936 tokens, once per model)."""
    if llama not in _VOCABULARY:
        _VOCABULARY[llama] = [llama.detokenize([t]).decode("utf-8", errors="ignore").lstrip(" _").upper()
                              for t in range(llama.n_vocab())]
    return _VOCABULARY[llama]


_PREFIXES: weakref.WeakKeyDictionary[Any, dict[tuple[str, int], np.ndarray]] = weakref.WeakKeyDictionary()


def prefix_tokens(llama: Any, word: str, min_letters: int) -> np.ndarray:
    """Ids of the tokens that can start `word` in any casing, at least `min_letters` long: for
    NOT_IN_DOCUMENTS, 3 ("NOT", " Not", "_NOT_IN"; not "No" or "Noting"). Found once per model."""
    found = _PREFIXES.setdefault(llama, {})
    if (word, min_letters) not in found:
        found[word, min_letters] = np.array(
            [t for t, text in enumerate(_vocabulary(llama))
             if len(text) >= min_letters and word.startswith(text.replace(" ", "_"))], dtype=np.int64)
    return found[word, min_letters]


def refusal_tokens(llama: Any) -> np.ndarray:
    return prefix_tokens(llama, NOT_IN_DOCUMENTS, 3)


class RefusalProbe:
    """Records, at the first generated token, the probability the model gives to starting the refusal."""

    def __init__(self, llama: Any) -> None:
        self.tokens = refusal_tokens(llama)
        self.probability: float | None = None

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        if self.probability is None:
            shifted = np.exp(scores - scores.max())
            self.probability = float(shifted[self.tokens].sum() / shifted.sum())
        return scores

    def processors(self) -> Any:
        """The probe as the `logits_processor` argument of llama_cpp (a LogitsProcessorList)."""
        from llama_cpp import LogitsProcessorList

        return LogitsProcessorList([self])


class JudgeProbe:
    """P(YES) of a YES/NO judge at its first token, among the YES and NO tokens only (so the margin is
    over the two answers, whatever else the model considered)."""

    def __init__(self, llama: Any) -> None:
        self.yes, self.no = prefix_tokens(llama, "YES", 2), prefix_tokens(llama, "NO", 2)
        self.probability: float | None = None

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        if self.probability is None:
            shifted = np.exp(scores - scores.max())
            yes, no = float(shifted[self.yes].sum()), float(shifted[self.no].sum())
            self.probability = yes / (yes + no) if yes + no > 0 else 0.0
        return scores

    processors = RefusalProbe.processors


class RefusalBan:
    """Forbids the refusal as the first token, so the model writes its best answer instead (rule
    retry_hesitant_refusal); that answer is verified like any other. Later tokens are left alone:
    "not" inside a sentence is an ordinary word."""

    def __init__(self, llama: Any) -> None:
        self.tokens = refusal_tokens(llama)
        self.done = False

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        if not self.done:
            self.done = True
            scores = scores.copy()
            scores[self.tokens] = -np.inf
        return scores

    processors = RefusalProbe.processors
