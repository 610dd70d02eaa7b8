"""The MCP server (ui/mcp_server.py) driven by the official mcp SDK's own client: over stdio (a
subprocess of `python -m cli mcp`) and over streamable HTTP (`python -m cli mcp --http --port N` on
127.0.0.1). The server runs with the extractive backend (ASSISTANT_BACKEND=extractive): no LLM runs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import ui_free_port

ROOT = Path(__file__).resolve().parent.parent
RES = "A/C.1/73/L.27/Rev.1"
OEWG = "When does the open-ended working group hold its organizational session?"
TOOLS = {"lookup", "search", "ask", "trace"}


@pytest.fixture(scope="module")
def server_env(tmp_path_factory):
    """The servers' environment: extractive answers, their own data directory (index built on first use)."""
    from assistant.config import Settings

    return {**os.environ, "ASSISTANT_BACKEND": "extractive", "ASSISTANT_DATA_DIR": str(tmp_path_factory.mktemp("mcp-data")),
            "ASSISTANT_GGUF_PATH": str(Settings().model_file), "PYTHONPATH": str(ROOT)}


async def check_tools(session: ClientSession, corpus) -> None:
    """What both transports must give: the tools, a verbatim lookup, a search, a cited answer, errors."""
    await session.initialize()
    assert {t.name for t in (await session.list_tools()).tools} == TOOLS

    looked = await session.call_tool("lookup", {"reference": "1.6"})
    assert not looked.isError
    [cited] = looked.structuredContent["citations"]
    assert (cited["symbol"], cited["label"], cited["citation"]) == (RES, "1.6", f"[{RES} ¶1.6]")
    assert cited["text"] == corpus.get(RES, "1.6").text and cited["page"] == corpus.get(RES, "1.6").page
    assert corpus.get(RES, "1.6").text in looked.content[0].text and f"[{RES} ¶1.6]" in looked.content[0].text

    unknown = await session.call_tool("lookup", {"reference": "99.9"})
    assert unknown.isError and "99.9" in unknown.content[0].text

    found = await session.call_tool("search", {"query": "organizational session of the open-ended working group", "k": 5})
    hits = found.structuredContent["citations"]
    assert len(hits) == 5 and f"[{RES} ¶6]" in [h["citation"] for h in hits]
    assert all(h["text"] == corpus.get(h["symbol"], h["label"]).text for h in hits)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)

    answered = await session.call_tool("ask", {"question": OEWG})
    reply = answered.structuredContent
    assert reply["refused"] is False and f"[{RES} ¶6]" in reply["text"] and "June 2019" in reply["text"]
    six = [c for c in reply["citations"] if c["label"] == "6" and c["symbol"] == RES]
    assert six and six[0]["text"] == corpus.get(RES, "6").text
    # The text the client's model reads quotes the cited paragraphs after the answer.
    assert answered.content[0].text.startswith(reply["text"]) and corpus.get(RES, "6").text in answered.content[0].text

    follow = await session.call_tool("ask", {"question": "And what is it supposed to agree on there?",
                                             "history": [{"question": OEWG, "answer": reply["text"]}]})
    assert f"[{RES} ¶6]" in [c["citation"] for c in follow.structuredContent["citations"]]

    traced = (await session.call_tool("trace", {"reference": "PP8"})).structuredContent
    best = traced["matches"][0]
    assert (best["citation"], best["kind"], best["similarity"]) == ("[A/RES/73/27 ¶gap1.1]", "identical", 1.0)
    assert traced["citations"][0]["text"] == corpus.get("A/RES/73/27", "gap1.1").text
    pasted = corpus.get(RES, "PP8").text.replace("Confirming", "Reaffirming", 1)
    by_text = (await session.call_tool("trace", {"text": pasted})).structuredContent
    assert f"[{RES} ¶PP8]" in [m["citation"] for m in by_text["matches"]]
    both = await session.call_tool("trace", {"reference": "PP8", "text": pasted})
    assert both.isError and "not both" in both.content[0].text


def test_stdio(server_env, shipped_corpus):
    params = StdioServerParameters(command=sys.executable, args=["-m", "cli", "mcp"], env=server_env, cwd=str(ROOT))

    async def main():
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await check_tools(session, shipped_corpus)

    anyio.run(main)


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 120) -> None:
    """Until the server accepts connections (not a timed assertion: the limit only stops a hung start)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the MCP server exited with {process.returncode}: {process.stderr.read()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail("the MCP server did not start listening")


def test_streamable_http(server_env, shipped_corpus):
    port = ui_free_port()
    process = subprocess.Popen([sys.executable, "-m", "cli", "mcp", "--http", "--port", str(port)], cwd=ROOT,
                               env=server_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, process)

        async def main():
            async with streamable_http_client(f"http://127.0.0.1:{port}/mcp") as (read, write, _), \
                    ClientSession(read, write) as session:
                await check_tools(session, shipped_corpus)

        anyio.run(main)
    finally:
        process.terminate()
        process.wait(30)


def test_http_beyond_loopback_is_refused_without_no_auth(server_env):
    done = subprocess.run([sys.executable, "-m", "cli", "mcp", "--http", "--host", "0.0.0.0", "--port", str(ui_free_port())],
                          cwd=ROOT, env=server_env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "no authentication" in done.stderr
