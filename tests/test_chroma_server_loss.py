"""A Chroma server (`chroma run`) that goes away: searches, and a sync cut off mid-way, raise one clear
IndexUnavailable naming the server (the index it had is untouched), lookups still work, and once the
server runs again on the same data and port the same searcher and the same assistant give the same
hits and answers, with no restart of the app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ChromaServer
from embeddings.hybrid import HybridSearcher
from embeddings.index import IndexUnavailable, open_index, sync_index

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ["attacks on critical infrastructure that provides services to the public",
           "capacity-building for developing countries",
           "States must not use proxies to commit internationally wrongful acts"]
QUESTION = "What does the resolution say about attacks on critical infrastructure?"


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedding_encoder, shipped_corpus):
    """A running server holding the shipped corpus's index (killed at the end, whatever state it is in)."""
    folder = tmp_path_factory.mktemp("chroma-loss")
    chroma = ChromaServer(folder / "store", folder / "chroma.log")
    chroma.start()
    try:
        sync_index(shipped_corpus, embedding_encoder, host=chroma.host, port=chroma.port)
        yield chroma
    finally:
        chroma.kill()


def ranking(searcher: HybridSearcher, query: str, mode: str) -> list[tuple[str, float]]:
    return [(h.paragraph.citation.key, h.score) for h in searcher.search(query, k=5, mode=mode)]


def test_searches_fail_clearly_while_the_server_is_down_and_resume_when_it_is_back(server, embedding_encoder,
                                                                                   shipped_corpus):
    server.start()
    searcher = HybridSearcher(shipped_corpus, embedding_encoder,
                              open_index(embedding_encoder, host=server.host, port=server.port))
    before = {(q, mode): ranking(searcher, q, mode) for q in QUERIES for mode in ("dense", "hybrid")}
    assert all(len(hits) == 5 for hits in before.values())

    server.kill()
    for mode in ("dense", "hybrid"):
        with pytest.raises(IndexUnavailable) as caught:
            searcher.search(QUERIES[0], k=5, mode=mode)
        message = str(caught.value)
        assert message.startswith(f"the Chroma server at {server.address} does not answer (")
        assert "Connection refused" in message and "searches resume by themselves" in message
        assert caught.value.__cause__ is None and caught.value.__suppress_context__  # one error, no chain
    assert ranking(searcher, QUERIES[0], "bm25"), "BM25 does not need the server"
    with pytest.raises(IndexUnavailable, match=f"the Chroma server at {server.address} does not answer"):
        open_index(embedding_encoder, host=server.host, port=server.port)  # nor does a new client

    server.start()  # same --path, same port; the searcher is the one opened before
    after = {(q, mode): ranking(searcher, q, mode) for q in QUERIES for mode in ("dense", "hybrid")}
    for key, hits in before.items():
        assert [k for k, _ in after[key]] == [k for k, _ in hits], key
        assert [s for _, s in after[key]] == pytest.approx([s for _, s in hits], abs=1e-6), key


def test_the_assistant_says_the_server_is_down_and_answers_again_when_it_is_back(server, tmp_path):
    from assistant.chain import Assistant
    from assistant.config import Settings

    server.start()
    settings = Settings(data_dir=tmp_path / "data", chroma_host=server.host, chroma_port=server.port,
                        gguf_path=Settings().model_file, backend="extractive")
    assistant = Assistant(settings, backend="extractive")
    before = assistant.ask(QUESTION)
    assert not before.refused and before.citations, before.text

    server.kill()
    with pytest.raises(IndexUnavailable, match=f"the Chroma server at {server.address} does not answer"):
        assistant.ask(QUESTION)
    lookup = assistant.ask("What does 1.6 say?")  # a lookup reads the corpus, not the index
    assert [str(c.citation) for c in lookup.citations][:1] == ["[A/C.1/73/L.27/Rev.1 ¶1.6]"]

    # What a user of the command line sees: one line, exit code 2, no traceback.
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_CHROMA_HOST": server.host,
           "ASSISTANT_CHROMA_PORT": str(server.port), "ASSISTANT_BACKEND": "extractive"}
    run = subprocess.run([sys.executable, "-m", "cli", "ask", "--backend", "extractive", QUESTION],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith(
        f"error: the Chroma server at {server.address} does not answer ("), run.stderr
    assert "Traceback" not in run.stderr

    server.start()
    after = assistant.ask(QUESTION)  # the same Assistant: nothing was restarted but the server
    assert after.text == before.text
    assert [str(c.citation) for c in after.citations] == [str(c.citation) for c in before.citations]


def test_a_server_lost_during_a_sync_is_one_clear_error_and_the_index_it_had_still_answers(server, embedding_encoder,
                                                                                          shipped_corpus):
    from embeddings.index import GENERATION_INFIX, make_client

    server.start()
    searcher = HybridSearcher(shipped_corpus, embedding_encoder,
                              open_index(embedding_encoder, host=server.host, port=server.port))
    before = ranking(searcher, QUERIES[0], "dense")

    def lost_after_the_first_batch(stage: str, done: int, total: int) -> None:
        if done < total:
            server.kill()

    # A second index on the same server, built in batches: the server goes away after the first one.
    with pytest.raises(IndexUnavailable) as caught:
        sync_index(shipped_corpus, embedding_encoder, host=server.host, port=server.port, collection="second",
                   batch_size=16, progress=lost_after_the_first_batch)
    assert str(caught.value).startswith(f"the Chroma server at {server.address} does not answer (")
    assert caught.value.__cause__ is None and caught.value.__suppress_context__

    server.start()
    assert ranking(searcher, QUERIES[0], "dense") == before  # the index it had is untouched
    report = sync_index(shipped_corpus, embedding_encoder, host=server.host, port=server.port, collection="second")
    assert report.chunks == report.encoded > 16  # built whole on the re-run
    names = [c.name for c in make_client(host=server.host, port=server.port).list_collections()]
    assert len([n for n in names if n.startswith("second" + GENERATION_INFIX)]) == 1, names  # the partial one went
