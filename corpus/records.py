"""The core records shared by every package: a paragraph, a citation, a document and its registry entry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["header", "preambular", "operative", "footnote", "other"]
Availability = Literal["full", "partial", "absent"]

RESOLUTION = "A/C.1/73/L.27/Rev.1"


@dataclass(frozen=True)
class Citation:
    """A pointer to one paragraph: `[A/70/174 ¶26]`.

    >>> str(Citation("A/70/174", "26"))
    '[A/70/174 ¶26]'
    >>> Citation.parse("[A/C.1/73/L.27/Rev.1 ¶1.6]")
    Citation(symbol='A/C.1/73/L.27/Rev.1', label='1.6')
    """

    symbol: str
    label: str

    PATTERN = re.compile(r"\[?\s*([A-Z][A-Za-z0-9./()]*?)\s*¶\s*([A-Za-z0-9.()\-]+)\s*\]?")

    def __str__(self) -> str:
        return f"[{self.symbol} ¶{self.label}]"

    @property
    def key(self) -> str:
        """The citation without brackets, as eval files and chunk ids write it."""
        return f"{self.symbol} ¶{self.label}"

    @classmethod
    def parse(cls, text: str) -> "Citation":
        match = cls.PATTERN.fullmatch(text.strip())
        if not match:
            raise ValueError(f"not a citation: {text!r} (expected e.g. '[A/70/174 ¶26]')")
        return cls(match.group(1), match.group(2))


@dataclass(frozen=True)
class Paragraph:
    """One citable paragraph, in its document's own numbering."""

    symbol: str
    label: str
    kind: Kind
    text: str
    position: int  # order in the document, from 0
    phrase: str | None = None  # opening operative/preambular phrase: "Decides", "Noting"
    page: int | None = None
    refs: tuple[str, ...] = ()  # canonical symbols of documents the paragraph refers to
    footnotes: tuple[str, ...] = ()  # labels of footnotes marked in the paragraph ("fn1")
    section: str | None = None  # heading the paragraph stands under ("Summary", "ANNEX")

    @property
    def citation(self) -> Citation:
        return Citation(self.symbol, self.label)

    @property
    def kind_name(self) -> str:
        """How the kind reads in an answer: "operative paragraph 1.6", "preambular paragraph 3"."""
        if self.kind == "preambular" and self.label.startswith("PP"):
            return f"preambular paragraph {self.label[2:]}"
        names = {"operative": "operative paragraph", "preambular": "preambular paragraph",
                 "footnote": "footnote", "header": "front matter", "other": "paragraph"}
        if self.kind == "footnote":
            return f"footnote {self.label[2:]}"
        if self.kind == "header":
            return names["header"]
        return f"{names[self.kind]} {self.label}"


@dataclass(frozen=True)
class DocumentInfo:
    """What is known of a document besides its paragraphs (from its front matter)."""

    symbol: str
    title: str
    date: str | None = None  # ISO date
    doc_type: str = "resolution"  # resolution | draft resolution | report
    source: str = ""
    completeness: Availability = "full"
    present: str = ""
    missing: str = ""
    extra: dict[str, str] = field(default_factory=dict)  # header fields: committee, agenda item, sponsors


@dataclass(frozen=True)
class Document:
    info: DocumentInfo
    paragraphs: tuple[Paragraph, ...]

    @property
    def symbol(self) -> str:
        return self.info.symbol

    def get(self, label: str) -> Paragraph | None:
        return next((p for p in self.paragraphs if p.label == label), None)


@dataclass(frozen=True)
class RegistryEntry:
    """A document the corpus refers to, whether or not its text is here."""

    symbol: str
    date: str | None
    about: str  # what the citing text says it is about
    cited_by: tuple[Citation, ...]
    availability: Availability
    title: str | None = None
    note: str = ""  # e.g. "revised draft A/C.3/69/L.26/Rev.1 is in the corpus, not the adopted text"
