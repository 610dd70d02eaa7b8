"""The records that pass between the answer pipeline's stages (assistant/chain.py):

    read question -> route -> retrieve -> assess -> generate -> verify -> decide -> render
    QuestionFeatures  Route    [Found]    gate      Draft      [SentenceSupport]  Answer

(QuestionFeatures: assistant/features.py; SentenceSupport and Answer: assistant/answer.py.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from corpus.records import Paragraph


class RouteKind(StrEnum):
    """Where the route sends a question."""

    REFUSE = "refuse"  # by rule, before any model runs
    LOOKUP = "lookup"  # a display request: the paragraph, verbatim
    REGISTRY = "registry"  # a cited document whose text the corpus lacks
    ANSWER = "answer"  # retrieve, generate, verify


@dataclass(frozen=True)
class Route:
    kind: RouteKind
    rule: str = ""  # the rule that chose this path, if one did
    reference: str = ""  # LOOKUP: what to look up ("1.6", "A/70/174 ¶header")
    symbols: tuple[str, ...] = ()  # REGISTRY: the absent documents; ANSWER: named documents held only in part


@dataclass(frozen=True)
class Found:
    """A retrieved paragraph: its fused rank score and its cosine to the question."""

    paragraph: Paragraph
    score: float
    cosine: float


@dataclass
class Draft:
    """What the model generated, and how sure it was of a refusal."""

    text: str = ""
    refused: bool = False  # the model replied NOT_IN_DOCUMENTS
    refusal_probability: float | None = None  # first-token probability of the refusal (llama-cpp)
    retried: bool = False  # generated again with the refusal forbidden (rule retry_hesitant_refusal)
    tokens: dict[str, int] = field(default_factory=dict)
    error: str = ""  # the backend failed: type and message
