"""The answer record every front end shows, and the parts it is made of.

One field, one meaning: `kind` says what the answer is, `refusal` why it is not an answer (or None),
`rule` which rule of the fallback policy decided it (assistant/rules.py), `related` the closest text
offered beside a refusal (never counted as an answer), `notes` what the reader should know besides
the answer (a partial document), kept apart from `text`.

>>> answer = Answer("Who chairs it?", "Who chairs it?", "", AnswerKind.REFUSAL, "extractive",
...                 refusal=RefusalReason.GATE)
>>> answer.refused, answer.kind.value
(True, 'refusal')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from corpus.records import Citation


class AnswerKind(StrEnum):
    LOOKUP = "lookup"  # a paragraph the user asked to see, verbatim
    REGISTRY = "registry"  # what the corpus knows of a cited document (its text may be absent)
    ANSWER = "answer"  # sentences checked against their paragraphs
    REFUSAL = "refusal"  # the documents do not answer it (see RefusalReason)


class RefusalReason(StrEnum):
    INPUT = "input"  # empty or too long
    CONTENT_REQUEST = "content request"  # asked to write new text (assistant/question.py)
    INSTRUCTION = "instruction"  # only tried to change the rules (assistant/question.py)
    UNKNOWN_REFERENCE = "unknown reference"  # a lookup of a paragraph that does not exist
    ABSENT_TEXT = "absent text"  # a cited document whose text the corpus lacks
    GATE = "gate"  # nothing retrieved addresses the question (assistant/assess.py)
    NOT_ANSWERED = "not answered"  # no given passage answers it, by the answerability check
    MODEL = "model"  # the model replied NOT_IN_DOCUMENTS
    UNSUPPORTED = "unsupported"  # no sentence of the draft is supported by its paragraphs
    MODEL_ERROR = "model error"  # the LLM failed and nothing could be quoted


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
    same_wording: tuple[Citation, ...] = ()  # other paragraphs with the same or near whole wording


@dataclass
class Answer:
    question: str
    standalone_question: str
    text: str
    kind: AnswerKind
    backend: str
    sentences: list[SentenceSupport] = field(default_factory=list)
    citations: list[CitedParagraph] = field(default_factory=list)
    retrieved: list[Retrieved] = field(default_factory=list)
    refusal: RefusalReason | None = None
    rule: str = ""  # the rule of assistant/rules.py that decided the answer
    related: list[SentenceSupport] = field(default_factory=list)  # closest text shown with a refusal
    notes: list[str] = field(default_factory=list)  # e.g. the corpus holds only part of a document
    draft: str = ""  # the model's own text before citations were checked (kept to diagnose refusals)
    timings: dict[str, float] = field(default_factory=dict)  # seconds: retrieval, first_token, total ...
    tokens: dict[str, int] = field(default_factory=dict)  # prompt, completion (when the backend reports them)
    refusal_probability: float | None = None  # llama-cpp: the model's first-token probability of refusing
    answerable_probability: float | None = None  # llama-cpp: the answerability check's P(YES), when it ran
    language: str = "en"  # the question's (ISO 639-1); the text is in it, quotes stay English (assistant/translation.py)

    @property
    def refused(self) -> bool:
        return self.refusal is not None
