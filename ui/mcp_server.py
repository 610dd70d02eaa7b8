"""The assistant as an MCP server (Model Context Protocol, the official `mcp` SDK's FastMCP), so that
MCP clients (Claude Desktop, IDEs, agents) can look up, search and ask with paragraph citations.

    assistant mcp                        stdio (the client starts this command)
    assistant mcp --http [--port 8765]   streamable HTTP on http://127.0.0.1:8765/mcp

Tools (each returns readable text and structured content {text, citations: [{symbol, label,
citation, text, page, kind, score}], ...}: `refused` for ask, `matches` for trace):
    lookup(reference)                     a paragraph verbatim ("1.6", "PP3", "A/70/174 ¶26"), or a document
    search(query, k, documents)           ranked paragraphs (hybrid search), exact corpus text
    ask(question, history, documents)     a grounded answer; the text keeps its [symbol ¶label] markers
    trace(reference | text, limit)        the same or near wording elsewhere in the corpus (corpus/agreed.py),
                                          with word-level diffs in `matches`

`Tools` is the plain-Python side (tested without a transport); `build_server` wraps it for MCP. The
models load on the first call that needs them, so a client's initialize is answered at once.

>>> Reply("No such paragraph.", []).refused
False
"""

# No `from __future__ import annotations`: FastMCP reads the tools' annotations, and the return
# annotation names mcp types imported inside build_server (mcp is imported only when serving).
import os
import sys
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from ui.access import is_loopback
from ui.sources import Source, source, sources_text

if TYPE_CHECKING:
    from assistant.chain import Assistant
    from assistant.config import Settings
    from corpus.store import Corpus

SERVER_NAME = "unres-assistant"
INSTRUCTIONS = (
    "Answers questions about UN General Assembly draft resolution A/C.1/73/L.27/Rev.1 and the documents it "
    "cites, quoting their paragraphs. Citations are written [symbol ¶label]; `lookup` gives any paragraph "
    "verbatim, `search` ranks paragraphs, `ask` writes an answer whose every sentence is checked against "
    "the paragraphs it cites; `trace` finds the same or near wording (agreed language) elsewhere in the corpus.")
HTTP_PATH = "/mcp"


@dataclass(frozen=True)
class Exchange:
    """An earlier turn of a conversation, for a follow-up question."""

    question: str
    answer: str


@dataclass(frozen=True)
class Reply:
    """What every tool returns: text to read, and the paragraphs it rests on."""

    text: str
    citations: list[Source] = field(default_factory=list)
    refused: bool = False  # ask: the documents do not answer the question


@dataclass(frozen=True)
class SameWording:
    """trace: a corpus paragraph with the same or near wording, and the word-level differences."""

    citation: str
    kind: str  # identical, near, partial (corpus/agreed.py MatchKind)
    similarity: float  # difflib ratio over normalized words, 0-1
    corpus_wording: str  # the compared stretch of the corpus paragraph
    diff: str  # [-only in the corpus paragraph-] {+only in the traced text+}


@dataclass(frozen=True)
class TraceReply:
    """What trace returns: the report, the paragraphs with the same wording, and how each differs."""

    text: str
    citations: list[Source] = field(default_factory=list)
    matches: list[SameWording] = field(default_factory=list)


class Tools:
    """lookup, search, ask and trace over one corpus; the corpus, index and Assistant load on first use."""

    def __init__(self, settings: "Settings | None" = None, assistant: "Assistant | None" = None) -> None:
        from assistant.config import settings as current_settings

        self.settings = assistant.settings if assistant else (settings or current_settings())
        self._assistant = assistant
        self._lock = threading.Lock()
        self._agreed: dict[str, Any] = {}  # corpus version -> corpus.agreed.AgreedIndex

    @property
    def corpus(self) -> "Corpus":
        if self._assistant is not None:
            return self._assistant.corpus
        from assistant.resources import load

        return load(self.settings)

    @property
    def assistant(self) -> "Assistant":
        with self._lock:
            if self._assistant is None:
                from assistant.chain import Assistant

                self._assistant = Assistant(self.settings)
            return self._assistant

    def lookup(self, reference: str) -> Reply:
        """A paragraph verbatim with its citation; for a document, its registry entry. LookupError if unknown."""
        from assistant.render import lookup_text
        from corpus.lookup import resolve

        corpus = self.corpus
        result = resolve(reference, corpus)  # UnknownReference (a LookupError) names the labels there are
        return Reply(lookup_text(result, corpus), [source(result.paragraph)] if result.paragraph else [])

    def search(self, query: str, k: int = 8, documents: list[str] | None = None) -> Reply:
        """The k best paragraphs for `query` (hybrid dense + BM25), optionally only in `documents`."""
        from assistant.resources import search_text, searcher

        corpus = self.corpus
        hits = searcher(self.settings, corpus).search(search_text(query, self.settings), k=k, symbols=documents or None)
        found = [source(h.paragraph, h.score) for h in hits]
        lines = [f"{n}. {s.citation} (score {s.score:.4f}{f', page {s.page}' if s.page else ''})\n   {s.text}"
                 for n, s in enumerate(found, 1)]
        return Reply("\n".join(lines) if lines else "No paragraph matches.", found)

    def ask(self, question: str, history: list[Exchange] | None = None, documents: list[str] | None = None) -> Reply:
        """A grounded answer with verified [symbol ¶label] citations, or a refusal when the documents do not say."""
        answer = self.assistant.ask(question, history=[(h.question, h.answer) for h in history or []],
                                    symbols=documents or None)
        return Reply(answer.text, [source(c) for c in answer.citations], answer.refused)

    def trace(self, reference: str | None = None, text: str | None = None, limit: int = 10) -> TraceReply:
        """Where a paragraph's wording (by reference) or pasted text stands, the same or nearly, in the corpus."""
        from corpus.agreed import AgreedIndex, render_diff, render_trace

        if bool(reference) == bool(text):
            raise ValueError("give either a paragraph reference (\"PP8\") or a text to trace, not both")
        corpus = self.corpus
        with self._lock:
            index = self._agreed.get(corpus.version)
            if index is None:
                index = self._agreed[corpus.version] = AgreedIndex(corpus)
        # NotAParagraph (a LookupError) says what the reference names instead
        found = index.trace_reference(reference, limit) if reference else index.trace(text, limit)
        cited = [source(corpus.get(m.citation.symbol, m.citation.label), m.similarity) for m in found.matches]
        same = [SameWording(str(m.citation), m.kind.value, m.similarity, m.corpus_wording, render_diff(m.diff))
                for m in found.matches]
        return TraceReply(render_trace(found), cited, same)


def build_server(tools: Tools, host: str = "127.0.0.1", port: int = 8765) -> Any:
    """The FastMCP server whose tools call `tools` (in a worker thread: answers take seconds)."""
    from dataclasses import asdict

    import anyio
    from mcp.server.fastmcp import FastMCP
    from mcp.types import CallToolResult, TextContent, ToolAnnotations

    server = FastMCP(SERVER_NAME, instructions=INSTRUCTIONS, host=host, port=port, streamable_http_path=HTTP_PATH,
                     log_level="WARNING")
    read_only = ToolAnnotations(readOnlyHint=True, openWorldHint=False)

    def result(reply: Reply | TraceReply, shown: str | None = None) -> CallToolResult:
        return CallToolResult(content=[TextContent(type="text", text=shown or reply.text)],
                              structuredContent=asdict(reply))

    @server.tool(title="Look up a paragraph", annotations=read_only)
    async def lookup(reference: str) -> Annotated[CallToolResult, Reply]:
        """A paragraph of the resolution or of a document it cites, verbatim, with its citation.

        reference: "1.6", "¶4(c)", "PP3", "third preambular paragraph", "footnote 2", "A/70/174 ¶26",
        or a whole document ("resolution 58/199", "A/70/174") for its entry in the registry of cited documents.
        """
        return result(await anyio.to_thread.run_sync(tools.lookup, reference))

    @server.tool(title="Search paragraphs", annotations=read_only)
    async def search(query: str, k: int = 8, documents: list[str] | None = None) -> Annotated[CallToolResult, Reply]:
        """The paragraphs that best match `query` (semantic + keyword search), exact text and citation each.

        k: how many (1-50). documents: only these document symbols, e.g. ["A/70/174"]; default all.
        """
        k = max(1, min(int(k), 50))
        return result(await anyio.to_thread.run_sync(lambda: tools.search(query, k, documents)))

    @server.tool(title="Ask a question", annotations=read_only)
    async def ask(question: str, history: list[Exchange] | None = None,
                  documents: list[str] | None = None) -> Annotated[CallToolResult, Reply]:
        """Answer a question from the documents only, citing paragraphs as [symbol ¶label].

        Every sentence of the answer is checked against the paragraphs it cites; when the documents do not
        answer, `refused` is true and the text says so. history: earlier turns [{question, answer}] for a
        follow-up. documents: only these document symbols; default: the documents the question names.
        """
        reply = await anyio.to_thread.run_sync(lambda: tools.ask(question, history, documents))
        # The text shown to the client's model quotes the cited paragraphs after the answer.
        return result(reply, reply.text + ("\n\n" + sources_text(reply.citations) if reply.citations else ""))

    @server.tool(title="Find the same wording", annotations=read_only)
    async def trace(reference: str | None = None, text: str | None = None,
                    limit: int = 10) -> Annotated[CallToolResult, TraceReply]:
        """Is this agreed language? The corpus paragraphs with the same or nearly the same wording as a
        paragraph (reference: "PP8", "1.6", "A/70/174 ¶26") or as pasted text (text), with word-level
        differences: [-only in the corpus paragraph-] {+only in the traced text+}. Give one of the two.
        Reports similarity only, never which text came first.
        """
        limit = max(1, min(int(limit), 40))
        return result(await anyio.to_thread.run_sync(lambda: tools.trace(reference, text, limit)))

    return server


def run(http: bool = False, host: str = "127.0.0.1", port: int = 8765, no_auth: bool = False,
        settings: "Settings | None" = None) -> int:
    """Serve until stopped: stdio (the default) or streamable HTTP on host:port. Exit code 2: refused."""
    if http and not is_loopback(host) and not no_auth:
        # The MCP endpoint has no password: beyond this machine, only on a network the user trusts.
        print(f"error: refusing to serve MCP on {host}: it has no authentication. Pass --no-auth if the "
              "network is trusted.", file=sys.stderr)
        return 2
    server = build_server(Tools(settings), host=host, port=port)
    if http:
        print(f"MCP server (streamable HTTP) on http://{host}:{port}{HTTP_PATH} — Ctrl-C to stop", file=sys.stderr,
              flush=True)
        server.run(transport="streamable-http")
        return 0
    import anyio

    anyio.run(_serve_stdio, server)
    return 0


async def _serve_stdio(server: Any) -> None:
    """FastMCP's stdio loop, on a private copy of stdout: file descriptor 1 and sys.stdout then point to
    stderr, so a library that prints (or a C library writing to fd 1) cannot corrupt the protocol."""
    from io import TextIOWrapper

    import anyio
    from mcp.server.stdio import stdio_server

    protocol = anyio.wrap_file(TextIOWrapper(os.fdopen(os.dup(1), "wb"), encoding="utf-8"))
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    async with stdio_server(stdout=protocol) as (read_stream, write_stream):
        low_level = server._mcp_server  # FastMCP.run_stdio_async does the same with the real stdout (mcp 1.x)
        await low_level.run(read_stream, write_stream, low_level.create_initialization_options())
