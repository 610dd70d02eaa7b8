"""How sure the local model is when it refuses: its first-token probability of NOT_IN_DOCUMENTS.

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

_REFUSAL_TOKENS: weakref.WeakKeyDictionary[Any, np.ndarray] = weakref.WeakKeyDictionary()


def refusal_tokens(llama: Any) -> np.ndarray:
    """Ids of the tokens that can start the refusal in any casing: "NOT", "Not", " NOT", "_Not" ...
    (a prefix of NOT_IN_DOCUMENTS of at least 3 letters: "Noting" or "No" are not one). Found once per
    model by scanning its vocabulary (~0.8 s for Qwen2.5's 151,936 tokens)."""
    if llama not in _REFUSAL_TOKENS:
        ids = []
        for token in range(llama.n_vocab()):
            text = llama.detokenize([token]).decode("utf-8", errors="ignore").lstrip(" _").upper()
            if len(text) >= 3 and NOT_IN_DOCUMENTS.startswith(text.replace(" ", "_")):
                ids.append(token)
        _REFUSAL_TOKENS[llama] = np.array(ids, dtype=np.int64)
    return _REFUSAL_TOKENS[llama]


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
