"""A conversation in the UI (one per browser session) and its exports: Markdown and JSON.

The Markdown of an answer is what "Copy as Markdown" copies: the question, the answer as a quote with
its citations, and the citation list with each paragraph quoted verbatim. JSON reuses
assistant.render.answer_json, so an export carries the same fields as `assistant ask --json`.
"""

from __future__ import annotations

import json
import re
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.prompts import RELATED
from corpus.weight import weight

if TYPE_CHECKING:
    from assistant.answer import Answer
    from corpus.store import Corpus


QUESTION_CHARS = 2_000  # the assistant refuses longer questions (assistant/chain.py), so no more is kept


def clip_question(question: str) -> str:
    """The question as a conversation keeps and shows it: a pasted book is cut, and says so.

    >>> clip_question("What does 1.6 say?")
    'What does 1.6 say?'
    >>> clip_question("x" * 100_000)[-40:]
    'xxxxxxx … [cut: 100,000 characters long]'
    """
    if len(question) <= QUESTION_CHARS:
        return question
    return f"{question[:QUESTION_CHARS]} … [cut: {len(question):,} characters long]"


@dataclass
class Turn:
    question: str
    answer: "Answer | None" = None
    error: str | None = None
    rating: str | None = None  # "up" | "down" once rated


@dataclass
class Conversation:
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    turns: list[Turn] = field(default_factory=list)

    def history(self) -> list[tuple[str, str]]:
        """(question, answer text) of the answered turns, as Assistant.stream takes it. A question that was
        cut (too long to be answered) is no context for the next one."""
        return [(t.question, t.answer.text) for t in self.turns if t.answer is not None
                and len(t.question) <= QUESTION_CHARS]

    def questions_before(self, number: int) -> list[str]:
        """The earlier questions of turn `number` (1-based), as eval items write `history`."""
        return [t.question for t in self.turns[: number - 1] if t.answer is not None]

    def turn(self, number: int) -> Turn | None:
        return self.turns[number - 1] if 1 <= number <= len(self.turns) else None


def _quote(text: str) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in text.strip().splitlines()) or ">"


def answer_markdown(question: str, answer: "Answer", corpus: "Corpus | None" = None) -> str:
    """The answer as Markdown: question, the answer quoted with its citations, then every cited
    paragraph written out (citation, kind, weight, page, document title, verbatim text)."""
    lines = [f"**Question:** {question.strip()}", "", _quote(" ".join([answer.text, *answer.notes])), ""]
    unsupported = [s for s in answer.sentences if not s.supported]
    if unsupported:
        lines += [f"_⚠ {len(unsupported)} sentence(s) not supported by the cited paragraphs (marked above)._", ""]
    if answer.citations:
        lines += ["**Citations**", ""]
        for n, cited in enumerate(answer.citations, start=1):
            facts = [cited.kind_name]
            paragraph = corpus.cite(cited.citation) if corpus else None
            if paragraph is not None and paragraph.kind in ("preambular", "operative"):
                facts.append(weight(paragraph, corpus))
            if cited.page:
                facts.append(f"page {cited.page}")
            doc = corpus.document(cited.citation.symbol) if corpus else None
            title = f" — {cited.citation.symbol}: {doc.info.title}" if doc else ""
            lines.append(f"{n}. {cited.citation} ({'; '.join(facts)}){title}")
            lines += ["   " + line for line in _quote(f"“{cited.text}”").splitlines()]
            lines.append("")
    elif answer.related:
        lines += [f"**{RELATED}**", ""]
        lines += [f"- {' '.join(str(c) for c in s.citations)} {s.text}" for s in answer.related] + [""]
    elif answer.refused and answer.retrieved:
        lines += ["**Closest paragraphs (not an answer)**", ""]
        lines += [f"- {r.citation}" for r in answer.retrieved[:3]] + [""]
    lines.append(f"_Source: {answer.backend}; corpus of A/C.1/73/L.27/Rev.1 and the documents it cites._")
    return "\n".join(lines).rstrip() + "\n"


def conversation_markdown(conversation: Conversation, corpus: "Corpus", settings: dict | None = None) -> str:
    lines = ["# Conversation about A/C.1/73/L.27/Rev.1", "",
             f"- Started: {conversation.started}",
             f"- Exported: {datetime.now(timezone.utc).isoformat(timespec='seconds')}",
             f"- Corpus version: {corpus.version}"]
    for key, value in (settings or {}).items():
        lines.append(f"- {key}: {value}")
    lines.append("")
    for n, turn in enumerate(conversation.turns, start=1):
        lines += [f"## {n}. {' '.join(turn.question.split())}", ""]
        if turn.answer is not None:
            lines.append(answer_markdown(turn.question, turn.answer, corpus))
        elif turn.error:
            lines += [f"_Error: {turn.error}_", ""]
        if turn.rating:
            lines += [f"_Rated: {'helpful' if turn.rating == 'up' else 'not helpful'}_", ""]
    return "\n".join(lines).rstrip() + "\n"


def conversation_json(conversation: Conversation, corpus: "Corpus", settings: dict | None = None) -> dict:
    from assistant.render import answer_json

    return {
        "conversation_id": conversation.id,
        "started": conversation.started,
        "exported": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "corpus_version": corpus.version,
        "settings": settings or {},
        "turns": [{"number": n, "question": t.question, "history": conversation.questions_before(n),
                   "answer": answer_json(t.answer) if t.answer else None, "error": t.error, "rating": t.rating}
                  for n, t in enumerate(conversation.turns, start=1)],
    }


def write_export(text: str, stem: str, suffix: str) -> Path:
    """A fresh temp file for Gradio to serve as a download (Gradio copies it into its own cache)."""
    folder = Path(tempfile.mkdtemp(prefix="unres-export-"))
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"{re.sub(r'[^A-Za-z0-9.-]+', '-', stem)}-{stamp}{suffix}"
    path.write_text(text, encoding="utf-8")
    return path


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
