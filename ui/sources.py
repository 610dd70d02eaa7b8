"""A cited paragraph as other tools receive it: the structured citations of the MCP tools
(ui/mcp_server.py) and of the OpenAI-compatible endpoint (ui/openai_api.py).

>>> from corpus.records import Paragraph
>>> s = source(Paragraph("A/70/174", "26", "other", "Some text.", 0, page=7))
>>> s.citation, s.page
('[A/70/174 ¶26]', 7)
>>> print(sources_text([s]))
Sources:
  [A/70/174 ¶26] (page 7)
    Some text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Protocol, Sequence

from corpus.records import Citation


class Cited(Protocol):
    """What a Paragraph and an answer's CitedParagraph both have."""

    @property
    def citation(self) -> Citation: ...
    text: str
    kind: str
    page: int | None


@dataclass(frozen=True)
class Source:
    """One paragraph, its exact corpus text and where it is: `citation` is "[symbol ¶label]"."""

    symbol: str
    label: str
    citation: str
    text: str
    page: int | None = None
    kind: str = ""
    score: float | None = None  # search only: the hybrid score


def source(cited: Cited, score: float | None = None) -> Source:
    """The Source of a corpus Paragraph, a search hit's paragraph or an answer's CitedParagraph."""
    return Source(cited.citation.symbol, cited.citation.label, str(cited.citation), cited.text, cited.page,
                  cited.kind, None if score is None else round(float(score), 5))


def source_json(s: Source) -> dict:
    """The JSON object of a Source (the `citations` items of the OpenAI endpoint)."""
    return asdict(s)


def sources_text(sources: Sequence[Source]) -> str:
    """Each citation with its page, then its text, indented: what a reader (or a model) sees."""
    lines = ["Sources:"]
    for s in sources:
        lines.append(f"  {s.citation}" + (f" (page {s.page})" if s.page else ""))
        lines.append(f"    {s.text}")
    return "\n".join(lines)
