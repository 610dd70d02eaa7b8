"""The answer record every front end shows: text, per-sentence support, citations, timings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from corpus.records import Citation

Route = Literal["lookup", "registry", "answer", "refusal"]


@dataclass(frozen=True)
class Retrieved:
    """A paragraph the retriever found for the question, with its fused score."""

    citation: Citation
    score: float
    text: str
    in_prompt: bool = False  # given to the LLM as a passage (only these may be cited)


@dataclass(frozen=True)
class SentenceSupport:
    """One answer sentence and the paragraphs that support it (empty and unsupported: marked ⚠)."""

    text: str
    citations: tuple[Citation, ...]
    supported: bool
    score: float = 0.0


@dataclass(frozen=True)
class CitedParagraph:
    """A paragraph an answer cites, with the first answer sentence it supports."""

    citation: Citation
    text: str
    kind: str
    kind_name: str
    page: int | None
    sentence: str | None = None


@dataclass
class Answer:
    question: str
    standalone_question: str
    text: str
    route: Route
    backend: str
    sentences: list[SentenceSupport] = field(default_factory=list)
    citations: list[CitedParagraph] = field(default_factory=list)
    retrieved: list[Retrieved] = field(default_factory=list)
    # The corpus lacks what the question asks: nothing addresses it, an unknown reference, or the text
    # of a cited document that is absent (a registry answer then says what the resolution says of it).
    refused: bool = False
    refusal_reason: str = ""  # "gate", "model", "unsupported", "unknown reference", "absent text", "input",
    # "content request", "instruction" (the last two by rule: assistant/question.py)
    draft: str = ""  # the model's own text before citations were checked (kept to diagnose refusals)
    timings: dict[str, float] = field(default_factory=dict)  # seconds: retrieval, first_token, total ...
    tokens: dict[str, int] = field(default_factory=dict)  # prompt, completion (when the backend reports them)
    refusal_probability: float | None = None  # llama-cpp: the model's first-token probability of refusing
